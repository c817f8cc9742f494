// ditstreamsrc with generator=causal on the tiny-wan folder: chunks of 3 latent frames (9 video
// frames, then 12) at 16/1, an event's `switch` field and the admission rule at chunk starts, a
// malformed switch refused with a warning naming it, live pacing, and teardown mid-chunk.
#include "gst_test_support.h"

#include <string>

namespace {

constexpr const char* kCausalProperties =
    "model=" DITSTREAM_TINY_WAN_MODEL " width=48 height=32 generator=causal";
constexpr gint64 kChunk1 = 9;   // chunk 0: 1 + 4·2 frames
constexpr gint64 kChunk2 = 21;  // chunk 1: 12 more

GstHarness* start_causal_harness(const std::string& properties) {
  return start_harness(std::string(kCausalProperties) + " " + properties, "video/x-raw,format=RGB");
}

GstEvent* prompt_event(const char* prompt, gint64 frame, const char* switch_method) {
  GstStructure* s =
      gst_structure_new(DITSTREAM_EVENT_SET_PROMPT, "prompt", G_TYPE_STRING, prompt, "frame",
                        G_TYPE_INT64, frame, "switch", G_TYPE_STRING, switch_method, nullptr);
  return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, s);
}

}  // namespace

GST_START_TEST(causal_chunks_stream_at_16_fps) {
  GstHarness* h = start_causal_harness("");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  for (gint64 i = 0; i < kChunk2 + 2; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless(b != nullptr);
    fail_unless_equals_uint64(GST_BUFFER_PTS(b), frame_time(i, 16, 1));
    const DitstreamFrameMeta* meta = ditstream_buffer_get_frame_meta(b);
    fail_unless(meta != nullptr);
    fail_unless_equals_int64(meta->frame_index, i);
    gst_buffer_unref(b);
  }
  GstMessage* m = wait_element_message(bus, DITSTREAM_MESSAGE_WINDOW);
  fail_unless(m != nullptr);
  fail_unless_equals_int64(message_int64(m, "frames"), kChunk1);
  fail_unless_equals_int64(message_int64(m, "steps"), 4);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(causal_event_switches_at_the_chunk_start) {
  GstHarness* h = start_causal_harness("switch=recache");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  fail_unless(gst_harness_push_upstream_event(h, prompt_event("a white square", 10, "cut")));
  gint64 first_of_prompt2 = -1;  // not `first`: gst-check's macros declare that name
  for (gint64 i = 0; i < kChunk2 + 1; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless(b != nullptr);
    const DitstreamFrameMeta* meta = ditstream_buffer_get_frame_meta(b);
    if (first_of_prompt2 < 0 && meta->prompt_id == 2) first_of_prompt2 = i;
    gst_buffer_unref(b);
  }
  fail_unless_equals_int64(first_of_prompt2, kChunk2);  // frame 10 snaps to chunk 2's first
  GstMessage* m = nullptr;
  while ((m = wait_element_message(bus, DITSTREAM_MESSAGE_PROMPT_APPLIED)) &&
         message_int64(m, "prompt-id") != 2)
    gst_message_unref(m);
  fail_unless(m != nullptr);
  guint64 pts = 0;
  fail_unless(gst_structure_get_uint64(gst_message_get_structure(m), "pts", &pts));
  fail_unless_equals_uint64(pts, frame_time(kChunk2, 16, 1));
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(causal_unknown_switch_is_refused_naming_it) {
  GstHarness* h = start_causal_harness("");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  fail_if(gst_harness_push_upstream_event(h, prompt_event("a white square", 10, "morph")));
  GstMessage* m = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless(m != nullptr);
  GError* error = nullptr;
  gst_message_parse_warning(m, &error, nullptr);
  fail_unless(std::string(error->message).find("switch 'morph'") != std::string::npos, "%s",
              error->message);
  g_error_free(error);
  gst_message_unref(m);
  GstBuffer* b = gst_harness_pull(h);  // the stream goes on
  fail_unless(b != nullptr);
  gst_buffer_unref(b);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

// Live: frames leave one per 1/16 s slot of the pipeline clock (a chunk's burst is paced), and
// the latency query answers live with one frame.
GST_START_TEST(causal_live_paces_the_chunk_burst) {
  GstHarness* h = start_causal_harness("is-live=true");
  gst_harness_use_systemclock(h);
  gst_harness_play(h);
  GstClockTime previous = GST_CLOCK_TIME_NONE;
  for (int i = 0; i < 12; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless(b != nullptr);
    if (GST_CLOCK_TIME_IS_VALID(previous))
      fail_unless(GST_BUFFER_PTS(b) >= previous + frame_time(1, 16, 1));
    previous = GST_BUFFER_PTS(b);
    gst_buffer_unref(b);
  }
  GstQuery* q = gst_query_new_latency();
  fail_unless(gst_pad_peer_query(h->sinkpad, q));
  gboolean live = FALSE;
  GstClockTime min_latency = 0;
  gst_query_parse_latency(q, &live, &min_latency, nullptr);
  fail_unless(live);
  fail_unless_equals_uint64(min_latency, frame_time(1, 16, 1));
  gst_query_unref(q);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(causal_teardown_while_generating) {
  GstHarness* h = start_causal_harness("width=320 height=192");
  gst_harness_play(h);
  GstBuffer* b = gst_harness_pull(h);
  fail_unless(b != nullptr);
  gst_buffer_unref(b);
  gst_harness_teardown(h);  // chunk 1 is being generated: cancelled between forwards
}
GST_END_TEST;

static Suite* ditstreamsrc_causal_suite() {
  Suite* s = suite_create("ditstreamsrc-causal");
  TCase* tc = tcase_create("causal");
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, causal_chunks_stream_at_16_fps);
  tcase_add_test(tc, causal_event_switches_at_the_chunk_start);
  tcase_add_test(tc, causal_unknown_switch_is_refused_naming_it);
  tcase_add_test(tc, causal_live_paces_the_chunk_burst);
  tcase_add_test(tc, causal_teardown_while_generating);
  return s;
}

GST_CHECK_MAIN(ditstreamsrc_causal)
