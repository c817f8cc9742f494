// ditstreamsrc basics: caps per format, downstream's format order, timestamps, num-buffers ->
// EOS.
#include "gst_test_support.h"

#include <gst/video/video.h>

#include <cstdio>
#include <string>

namespace {

GstCaps* negotiated_caps(GstHarness* h) { return gst_pad_get_current_caps(h->sinkpad); }

void check_format(const char* format) {
  const std::string caps = std::string("video/x-raw,format=") + format;
  GstHarness* h = start_harness("", caps.c_str());
  gst_harness_play(h);
  GstBuffer* buffer = gst_harness_pull(h);
  fail_unless(buffer != nullptr);
  GstCaps* current = negotiated_caps(h);
  GstVideoInfo info;
  fail_unless(gst_video_info_from_caps(&info, current));
  fail_unless_equals_string(gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info)), format);
  fail_unless_equals_int(GST_VIDEO_INFO_WIDTH(&info), 96);
  fail_unless_equals_int(GST_VIDEO_INFO_HEIGHT(&info), 64);
  fail_unless_equals_int(GST_VIDEO_INFO_FPS_N(&info), 8);
  fail_unless_equals_int(GST_VIDEO_INFO_FPS_D(&info), 1);
  fail_unless(gst_buffer_get_size(buffer) >= GST_VIDEO_INFO_SIZE(&info));
  DitstreamFrameMeta* meta = ditstream_buffer_get_frame_meta(buffer);
  fail_unless(meta != nullptr);
  fail_unless_equals_int64(meta->prompt_id, 1);
  GstVideoFrame frame;
  fail_unless(gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ));
  if (GST_VIDEO_INFO_FORMAT(&info) == GST_VIDEO_FORMAT_RGBA) {
    const guint8* pixel = static_cast<const guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
    fail_unless_equals_int(pixel[3], 255);
  }
  gst_video_frame_unmap(&frame);
  gst_caps_unref(current);
  gst_buffer_unref(buffer);
  gst_harness_teardown(h);
}

void check_timestamps(int fps_n, int fps_d, int count) {
  char caps[96];
  std::snprintf(caps, sizeof caps, "video/x-raw,framerate=%d/%d", fps_n, fps_d);
  GstHarness* h = start_harness("", caps);
  gst_harness_play(h);
  for (int i = 0; i < count; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless(b != nullptr);
    fail_unless_equals_uint64(GST_BUFFER_PTS(b), frame_time(i, fps_n, fps_d));
    fail_unless_equals_uint64(GST_BUFFER_DURATION(b),
                              frame_time(i + 1, fps_n, fps_d) - frame_time(i, fps_n, fps_d));
    fail_unless(!GST_BUFFER_DTS_IS_VALID(b));
    fail_unless_equals_uint64(GST_BUFFER_OFFSET(b), guint64(i));
    fail_unless_equals_uint64(GST_BUFFER_OFFSET_END(b), guint64(i + 1));
    gst_buffer_unref(b);
  }
  gst_harness_teardown(h);
}

}  // namespace

GST_START_TEST(caps_for_each_format) {
  for (const char* format : {"RGB", "RGBA", "I420", "NV12"}) check_format(format);
}
GST_END_TEST;

GST_START_TEST(downstream_format_order_wins) {
  GstHarness* h = start_harness("", "video/x-raw,format={NV12,RGB}");
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  GstCaps* caps = negotiated_caps(h);
  fail_unless_equals_string(gst_structure_get_string(gst_caps_get_structure(caps, 0), "format"),
                            "NV12");
  gst_caps_unref(caps);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(contiguous_timestamps_at_the_native_rate) {
  check_timestamps(8, 1, 60);  // crosses window boundaries (frames 25 and 53)
}
GST_END_TEST;

GST_START_TEST(num_buffers_ends_with_eos) {
  GstHarness* h = start_harness("num-buffers=10");
  gst_harness_play(h);
  for (int i = 0; i < 10; ++i) gst_buffer_unref(gst_harness_pull(h));
  gint64 duration = -1;
  fail_unless(gst_element_query_duration(h->element, GST_FORMAT_TIME, &duration));
  fail_unless_equals_int64(duration, 10 * GST_SECOND / 8);
  bool eos = false;
  for (GstEvent* e; !eos && (e = gst_harness_pull_event(h));) {
    eos = GST_EVENT_TYPE(e) == GST_EVENT_EOS;
    gst_event_unref(e);
  }
  fail_unless(eos);
  fail_unless_equals_int(gst_harness_buffers_received(h), 10);
  gst_harness_teardown(h);
}
GST_END_TEST;

static Suite* ditstreamsrc_basics_suite() {
  Suite* s = suite_create("ditstreamsrc-basics");
  TCase* tc = tcase_create("basics");
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, caps_for_each_format);
  tcase_add_test(tc, downstream_format_order_wins);
  tcase_add_test(tc, contiguous_timestamps_at_the_native_rate);
  tcase_add_test(tc, num_buffers_ends_with_eos);
  return s;
}

GST_CHECK_MAIN(ditstreamsrc_basics)
