// ditstreamsrc on a Wan2.1 folder (the tiny-wan model make-random writes): the family's 16/1
// rate and the requested size are negotiated, and a prompt event lands at the window start the
// admission rule names, with its prompt-applied message.
#include "gst_test_support.h"

#include <string>

namespace {

// Windows of 3 latent frames overlapping by 1: window 0 commits 2 latent frames, 1 + 4 = 5 video
// frames, so window 1 starts at frame 5.
constexpr const char* kWanProperties =
    "model=" DITSTREAM_TINY_WAN_MODEL " width=48 height=32 window-frames=3 overlap=1";
constexpr gint64 kWindow1 = 5;

GstHarness* start_wan_harness(const std::string& properties) {
  return start_harness(std::string(kWanProperties) + " " + properties, "video/x-raw,format=RGB");
}

}  // namespace

GST_START_TEST(wan_folder_negotiates_its_size_and_rate) {
  GstHarness* h = start_wan_harness("");
  gst_harness_play(h);
  for (int i = 0; i < 2; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless(b != nullptr);
    fail_unless_equals_uint64(GST_BUFFER_PTS(b), frame_time(i, 16, 1));
    fail_unless_equals_uint64(GST_BUFFER_DURATION(b), frame_time(1, 16, 1));
    fail_unless_equals_uint64(gst_buffer_get_size(b), 48u * 32u * 3u);
    gst_buffer_unref(b);
  }
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  gint width = 0, height = 0, fps_n = 0, fps_d = 0;
  fail_unless(gst_structure_get_int(s, "width", &width) &&
              gst_structure_get_int(s, "height", &height) &&
              gst_structure_get_fraction(s, "framerate", &fps_n, &fps_d));
  fail_unless_equals_int(width, 48);
  fail_unless_equals_int(height, 32);
  fail_unless_equals_int(fps_n, 16);
  fail_unless_equals_int(fps_d, 1);
  gst_caps_unref(caps);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(wan_event_changes_prompt_at_the_window_start) {
  GstHarness* h = start_wan_harness("transition-windows=0");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  fail_unless(gst_harness_push_upstream_event(
      h, ditstream_event_new_set_prompt_full("a white square moving up", nullptr, nullptr, 3,
                                             GST_CLOCK_TIME_NONE, 0)));
  gint64 first_of_prompt2 = -1;  // not `first`: gst-check's macros declare that name
  for (gint64 i = 0; i < 12; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless(b != nullptr);
    const DitstreamFrameMeta* meta = ditstream_buffer_get_frame_meta(b);
    fail_unless(meta != nullptr);
    fail_unless_equals_int64(meta->frame_index, i);
    if (first_of_prompt2 < 0 && meta->prompt_id == 2) first_of_prompt2 = i;
    gst_buffer_unref(b);
  }
  fail_unless_equals_int64(first_of_prompt2,
                           kWindow1);  // requested frame 3 snaps to window 1's first
  GstMessage* m = nullptr;             // prompt 1's message comes first
  while ((m = wait_element_message(bus, DITSTREAM_MESSAGE_PROMPT_APPLIED)) &&
         message_int64(m, "prompt-id") != 2)
    gst_message_unref(m);
  fail_unless(m != nullptr);
  fail_unless_equals_int64(message_int64(m, "frame"), kWindow1);
  guint64 pts = 0;
  fail_unless(gst_structure_get_uint64(gst_message_get_structure(m), "pts", &pts));
  fail_unless_equals_uint64(pts, frame_time(kWindow1, 16, 1));
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(size_off_the_latent_grid_is_an_error_naming_it) {
  GstHarness* h = start_wan_harness("width=50");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  GstMessage* m = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless(m != nullptr);
  const BusError e = bus_error(m);
  fail_unless(e.text.find("width 50") != std::string::npos, "%s", e.text.c_str());
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

static Suite* ditstreamsrc_wan_suite() {
  Suite* s = suite_create("ditstreamsrc-wan");
  TCase* tc = tcase_create("wan");
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, wan_folder_negotiates_its_size_and_rate);
  tcase_add_test(tc, wan_event_changes_prompt_at_the_window_start);
  tcase_add_test(tc, size_off_the_latent_grid_is_an_error_naming_it);
  return s;
}

GST_CHECK_MAIN(ditstreamsrc_wan)
