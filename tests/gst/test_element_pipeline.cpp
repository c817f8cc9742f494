// A whole pipeline: ditstreamsrc -> videoconvert -> x264enc -> mp4mux -> filesink, checked with
// GstDiscoverer (what gst-discoverer-1.0 prints) and by decoding every frame back.
#include "gst_test_support.h"

#include <glib/gstdio.h>
#include <gst/pbutils/pbutils.h>

#include <string>

namespace {

constexpr int kFrames = 24;  // 3 s at 8/1

GstMessage* run_to_end(const std::string& description) {
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  fail_unless(pipeline != nullptr, "%s", error ? error->message : "");
  fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND,
                                             GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return m;
}

void count_buffer(GstElement*, GstBuffer*, GstPad*, gpointer count) { ++*static_cast<int*>(count); }

int decoded_frames(const std::string& uri) {
  GstElement* pipeline = gst_parse_launch(
      ("uridecodebin uri=" + uri + " ! fakesink name=sink signal-handoffs=true").c_str(), nullptr);
  int count = 0;
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_signal_connect(sink, "handoff", G_CALLBACK(count_buffer), &count);
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND,
                                             GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  fail_unless(m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS);
  gst_message_unref(m);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return count;
}

}  // namespace

GST_START_TEST(mp4_pipeline_is_playable) {
  gchar* dir = g_dir_make_tmp("ditstream-mp4-XXXXXX", nullptr);
  gchar* path = g_build_filename(dir, "out.mp4", nullptr);
  GstMessage* end =
      run_to_end("ditstreamsrc num-buffers=" + std::to_string(kFrames) + " " + kFastProperties +
                 " ! videoconvert ! x264enc ! mp4mux "
                 "! filesink location=" +
                 path);
  fail_unless(end != nullptr && GST_MESSAGE_TYPE(end) == GST_MESSAGE_EOS);
  gst_message_unref(end);

  gchar* uri = gst_filename_to_uri(path, nullptr);
  GstDiscoverer* discoverer = gst_discoverer_new(30 * GST_SECOND, nullptr);
  GstDiscovererInfo* info = gst_discoverer_discover_uri(discoverer, uri, nullptr);
  fail_unless(info != nullptr);
  fail_unless_equals_int(gst_discoverer_info_get_result(info), GST_DISCOVERER_OK);
  fail_unless_equals_uint64(gst_discoverer_info_get_duration(info), 3 * GST_SECOND);
  GList* videos = gst_discoverer_info_get_video_streams(info);
  fail_unless_equals_int(g_list_length(videos), 1);
  auto* video = GST_DISCOVERER_VIDEO_INFO(videos->data);
  fail_unless_equals_int(gst_discoverer_video_info_get_width(video), 96);
  fail_unless_equals_int(gst_discoverer_video_info_get_height(video), 64);
  fail_unless_equals_int(gst_discoverer_video_info_get_framerate_num(video), 8);
  fail_unless_equals_int(gst_discoverer_video_info_get_framerate_denom(video), 1);
  gst_discoverer_stream_info_list_free(videos);
  gst_discoverer_info_unref(info);
  g_object_unref(discoverer);
  fail_unless_equals_int(decoded_frames(uri), kFrames);

  g_free(uri);
  g_unlink(path);
  g_rmdir(dir);
  g_free(path);
  g_free(dir);
}
GST_END_TEST;

static Suite* ditstreamsrc_pipeline_suite() {
  Suite* s = suite_create("ditstreamsrc-pipeline");
  TCase* tc = tcase_create("pipeline");
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, mp4_pipeline_is_playable);
  return s;
}

GST_CHECK_MAIN(ditstreamsrc_pipeline)
