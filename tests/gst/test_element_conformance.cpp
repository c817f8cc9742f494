// ditstreamsrc against GStreamer's own sources (videotestsrc, GstBaseSrc): the native framerate
// through renegotiation, square progressive pixels, live latency, negotiation errors without
// deadlocks, conventional error codes, seeking and duration, unlock without cancelling.
#include "core/session/frame_queue.h"
#include "gst_test_support.h"

#include <glib/gstdio.h>
#include <gst/video/video.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace {

// The first error of a pipeline, or an empty text after `seconds`.
BusError pipeline_error(GstElement* pipeline, int seconds) {
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_timed_pop_filtered(bus, seconds * GST_SECOND, GST_MESSAGE_ERROR);
  gst_object_unref(bus);
  if (!m) return {};
  const BusError info = bus_error(m);
  gst_message_unref(m);
  return info;
}

GstElement* launch(const std::string& description) {
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  fail_unless(pipeline != nullptr, "%s", error ? error->message : "");
  return pipeline;
}

// Starts `properties` in a harness whose sink accepts `caps` and returns the first error.
BusError start_error(const std::string& properties, const char* caps = "video/x-raw") {
  GstHarness* h = gst_harness_new("ditstreamsrc");
  set_properties(h->element, std::string(kFastProperties) + " " + properties);
  gst_harness_set_sink_caps_str(h, caps);
  GstBus* bus = attach_bus(h->element);
  gst_element_set_state(h->element, GST_STATE_PLAYING);
  GstMessage* m = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless(m != nullptr, "no error");
  const BusError info = bus_error(m);
  gst_message_unref(m);
  gst_element_set_state(h->element, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_harness_teardown(h);
  return info;
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

GstCaps* negotiated_caps(GstHarness* h) { return gst_pad_get_current_caps(h->sinkpad); }

// Frame data of `count` pulled buffers with their PTS.
std::vector<std::pair<GstClockTime, std::string>> pull_frames(GstHarness* h, int count) {
  std::vector<std::pair<GstClockTime, std::string>> frames;
  for (int i = 0; i < count; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless(b != nullptr);
    GstMapInfo map;
    fail_unless(gst_buffer_map(b, &map, GST_MAP_READ));
    frames.emplace_back(GST_BUFFER_PTS(b),
                        std::string(reinterpret_cast<char*>(map.data), map.size));
    gst_buffer_unmap(b, &map);
    gst_buffer_unref(b);
  }
  return frames;
}

// A sync handler runs on the thread that posts: here the streaming thread, inside the error.
GstBusSyncReply set_prompt_on_error(GstBus*, GstMessage* m, gpointer src) {
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR)
    g_object_set(src, "prompt", "a white square moving left slowly on a green background", nullptr);
  return GST_BUS_PASS;
}

// Records when the load's COMPLETE progress message is posted (a sync handler runs then).
GstBusSyncReply record_load_complete(GstBus*, GstMessage* m, gpointer time) {
  GstProgressType type;
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_PROGRESS) {
    gst_message_parse_progress(m, &type, nullptr, nullptr);
    if (type == GST_PROGRESS_TYPE_COMPLETE)
      *static_cast<GstClockTime*>(time) = gst_util_get_timestamp();
  }
  return GST_BUS_PASS;
}

}  // namespace

// Defect 1: only the native 8/1 is offered, so a renegotiation (here of the format) cannot move
// the timestamps, and a downstream that wants another rate is told to use videorate.
GST_START_TEST(renegotiation_keeps_timestamps_contiguous) {
  GstHarness* h = start_harness("", "video/x-raw,format=RGB");
  gst_harness_play(h);
  for (int i = 0; i < 6; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless_equals_uint64(GST_BUFFER_PTS(b), frame_time(i, 8, 1));
    gst_buffer_unref(b);
  }
  gst_harness_set_sink_caps_str(h, "video/x-raw,format=I420");
  bool converted = false;
  for (int i = 6; i < 40; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless_equals_uint64(GST_BUFFER_PTS(b), frame_time(i, 8, 1));
    fail_unless_equals_uint64(GST_BUFFER_OFFSET(b), guint64(i));
    gst_buffer_unref(b);
    GstCaps* caps = negotiated_caps(h);
    const gchar* format = gst_structure_get_string(gst_caps_get_structure(caps, 0), "format");
    converted = converted || (format && std::string(format) == "I420");
    gst_caps_unref(caps);
  }
  fail_unless(converted, "the new format was never negotiated");
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(other_framerates_are_refused_with_a_videorate_hint) {
  const BusError e = start_error("", "video/x-raw,framerate=16/1");
  fail_unless(e.domain == GST_CORE_ERROR && e.code == GST_CORE_ERROR_NEGOTIATION, "%s",
              e.text.c_str());
  fail_unless(contains(e.text, "framerate") && contains(e.text, "videorate"), "%s", e.text.c_str());
  // Through videorate any rate works, at the right speed.
  GstElement* pipeline = launch("ditstreamsrc " + std::string(kFastProperties) +
                                " num-buffers=9 ! videorate ! video/x-raw,framerate=16/1 ! "
                                "fakesink name=sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND,
                                             GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  fail_unless(m != nullptr && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}
GST_END_TEST;

// Defect 5.
GST_START_TEST(pixels_are_square_and_progressive) {
  GstHarness* h = start_harness("", "video/x-raw,pixel-aspect-ratio=[1/10,10/1]");
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  GstCaps* caps = negotiated_caps(h);
  GstVideoInfo info;
  fail_unless(gst_video_info_from_caps(&info, caps));
  fail_unless_equals_int(GST_VIDEO_INFO_PAR_N(&info), 1);
  fail_unless_equals_int(GST_VIDEO_INFO_PAR_D(&info), 1);
  fail_unless_equals_int(GST_VIDEO_INFO_INTERLACE_MODE(&info),
                         GST_VIDEO_INTERLACE_MODE_PROGRESSIVE);
  fail_unless(gst_structure_has_field(gst_caps_get_structure(caps, 0), "interlace-mode"));
  gst_caps_unref(caps);
  gst_harness_teardown(h);
}
GST_END_TEST;

// Defect 3: min one frame (a buffer goes out within its slot), max NONE; a synchronised sink
// right behind the source is a valid pipeline, and no window re-posts LATENCY.
GST_START_TEST(live_latency_is_one_frame_and_needs_no_queue) {
  GstElement* pipeline = launch("ditstreamsrc name=src is-live=true " +
                                std::string(kFastProperties) + " ! fakesink sync=true");
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  int warnings = 0, latency_messages = 0, windows = 0;
  const gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  while (windows < 3 && g_get_monotonic_time() < deadline) {
    GstMessage* m = gst_bus_timed_pop(bus, 100 * GST_MSECOND);
    if (!m) continue;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
      ++warnings;
      std::printf("warning: %s\n", bus_error(m).text.c_str());
    }
    fail_if(GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR, "%s", bus_error(m).text.c_str());
    latency_messages += GST_MESSAGE_TYPE(m) == GST_MESSAGE_LATENCY &&
                        g_str_equal(GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), "src");
    windows += gst_message_has_name(m, DITSTREAM_MESSAGE_WINDOW);
    gst_message_unref(m);
  }
  fail_unless_equals_int(windows, 3);
  fail_unless_equals_int(warnings, 0);
  fail_unless_equals_int(latency_messages, 0);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstQuery* query = gst_query_new_latency();
  fail_unless(gst_element_query(src, query));
  gboolean live = FALSE;
  GstClockTime min = 0, max = 0;
  gst_query_parse_latency(query, &live, &min, &max);
  fail_unless(live);
  fail_unless_equals_uint64(min, GST_SECOND / 8);
  fail_unless_equals_uint64(max, GST_CLOCK_TIME_NONE);
  gst_query_unref(query);
  gst_object_unref(src);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}
GST_END_TEST;

// Defect 4: the text names the field that differs and both caps.
GST_START_TEST(negotiation_error_names_the_field_and_both_caps) {
  const BusError format = start_error("", "video/x-raw,format=BGRx");
  fail_unless(contains(format.text, "format") && contains(format.text, "BGRx") &&
                  contains(format.text, "videoconvert") && !contains(format.text, "frame size"),
              "%s", format.text.c_str());
  const BusError size = start_error("", "video/x-raw,width=320,height=240");
  fail_unless(contains(size.text, "frame size") && contains(size.text, "96") &&
                  contains(size.text, "320") && contains(size.text, "videoscale"),
              "%s", size.text.c_str());
}
GST_END_TEST;

// Defects 4 and 11: a bus sync handler that sets a property when the negotiation error arrives
// must not hang the streaming thread, in any of 200 runs.
GST_START_TEST(negotiation_failure_never_hangs) {
  const gint64 start = g_get_monotonic_time();
  int runs = 0;
  for (int run = 0; run < 200; ++run, ++runs) {
    GstElement* pipeline = launch("ditstreamsrc name=src " + std::string(kFastProperties) +
                                  " ! video/x-raw,width=640,height=480 ! fakesink");
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstBus* bus = gst_element_get_bus(pipeline);
    if (run % 2 == 0) gst_bus_set_sync_handler(bus, set_prompt_on_error, src, nullptr);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    const BusError e = pipeline_error(pipeline, 20);
    fail_unless(contains(e.text, "frame size"), "run %d: '%s'", run, e.text.c_str());
    fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL),
                           GST_STATE_CHANGE_SUCCESS);
    gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
    gst_object_unref(bus);
    gst_object_unref(src);
    gst_object_unref(pipeline);
  }
  std::printf("%d runs in %.1f s\n", runs, double(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
}
GST_END_TEST;

// Defect 10: a start-up failure posts the element's error only, not GstBaseSrc's generic one
// (which a start() returning FALSE adds; the asynchronous start completes with an error instead).
GST_START_TEST(start_failure_posts_one_error) {
  GstElement* pipeline = launch("ditstreamsrc model=/nonexistent/cogvideox ! fakesink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  const BusError first = pipeline_error(pipeline, 20);
  fail_unless(contains(first.text, "/nonexistent/cogvideox"), "'%s'", first.text.c_str());
  const BusError second = pipeline_error(pipeline, 1);
  fail_unless(second.text.empty(), "a second error: %s", second.text.c_str());
  fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref(pipeline);
}
GST_END_TEST;

// Convention: the model loads on a thread of its own, reported by progress messages.
GST_START_TEST(model_loads_asynchronously_with_progress) {
  GstElement* pipeline =
      launch("ditstreamsrc " + std::string(kFastProperties) + " num-buffers=3 ! fakesink");
  GstBus* bus = gst_element_get_bus(pipeline);
  GstClockTime loaded = GST_CLOCK_TIME_NONE;
  gst_bus_set_sync_handler(bus, record_load_complete, &loaded, nullptr);
  fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_ASYNC);
  const GstClockTime returned = gst_util_get_timestamp();
  std::vector<GstProgressType> progress;
  bool eos = false;
  while (!eos) {
    GstMessage* m = gst_bus_timed_pop_filtered(
        bus, 30 * GST_SECOND,
        GstMessageType(GST_MESSAGE_PROGRESS | GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    fail_unless(m != nullptr && GST_MESSAGE_TYPE(m) != GST_MESSAGE_ERROR);
    eos = GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
    if (!eos) {
      GstProgressType type;
      gchar *code = nullptr, *text = nullptr;
      gst_message_parse_progress(m, &type, &code, &text);
      fail_unless_equals_string(code, "load");
      progress.push_back(type);
      g_free(code);
      g_free(text);
    }
    gst_message_unref(m);
  }
  const std::vector<GstProgressType> expected{GST_PROGRESS_TYPE_START, GST_PROGRESS_TYPE_COMPLETE};
  fail_unless(progress == expected);
  fail_unless(returned < loaded, "set_state waited for the load");
  gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}
GST_END_TEST;

// Defect 6.
GST_START_TEST(errors_use_conventional_codes) {
  const BusError missing = start_error("model=/nonexistent/cogvideox");
  fail_unless(missing.domain == GST_RESOURCE_ERROR && missing.code == GST_RESOURCE_ERROR_NOT_FOUND,
              "%s", missing.text.c_str());
  fail_unless(
      contains(missing.text, "/nonexistent/cogvideox") && contains(missing.text, "does not exist"),
      "%s", missing.text.c_str());
  const BusError no_file = start_error("prompt-schedule=@/nonexistent/prompts.txt");
  fail_unless(no_file.domain == GST_RESOURCE_ERROR && no_file.code == GST_RESOURCE_ERROR_NOT_FOUND,
              "%s", no_file.text.c_str());
  gchar* dir = g_dir_make_tmp("ditstream-broken-XXXXXX", nullptr);
  gchar* index = g_build_filename(dir, "model_index.json", nullptr);
  fail_unless(g_file_set_contents(index, "{ not json", -1, nullptr));
  const BusError broken = start_error(std::string("model=") + dir);
  fail_unless(broken.domain == GST_RESOURCE_ERROR && broken.code == GST_RESOURCE_ERROR_READ, "%s",
              broken.text.c_str());
  fail_unless(contains(broken.text, dir) && contains(broken.text, "cannot load model folder"), "%s",
              broken.text.c_str());
  g_unlink(index);
  g_free(index);
  gchar* file = g_build_filename(dir, "prompts.json", nullptr);
  fail_unless(g_file_set_contents(file, "[{\"start\": \"soon\"}", -1, nullptr));
  const BusError bad = start_error(std::string("prompt-schedule=@") + file);
  fail_unless(bad.domain == GST_RESOURCE_ERROR && bad.code == GST_RESOURCE_ERROR_READ, "%s",
              bad.text.c_str());
  fail_unless(contains(bad.text, file), "%s", bad.text.c_str());
  g_unlink(file);
  g_rmdir(dir);
  g_free(file);
  g_free(dir);
}
GST_END_TEST;

// Defect 7: a flushing seek restarts the stream (same seed: the same frames), at the time sought.
GST_START_TEST(seek_restarts_the_same_frames) {
  GstHarness* h = start_harness("");
  gst_harness_play(h);
  const auto original = pull_frames(h, 12);
  GstQuery* seeking = gst_query_new_seeking(GST_FORMAT_TIME);
  fail_unless(gst_element_query(h->element, seeking));
  gboolean seekable = FALSE;
  gst_query_parse_seeking(seeking, nullptr, &seekable, nullptr, nullptr);
  fail_unless(seekable);
  gst_query_unref(seeking);
  fail_unless(gst_harness_push_upstream_event(
      h, gst_event_new_seek(1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, GST_SEEK_TYPE_SET, 0,
                            GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE)));
  auto again = pull_frames(h, 40);
  size_t start = 0;
  while (start < again.size() && again[start].first != 0) ++start;  // buffers before the flush
  fail_unless(start + 12 <= again.size(), "no frame at 0 after the seek");
  for (size_t i = 0; i < original.size(); ++i) {
    const GstClockTime pts = again[start + i].first, expected = original[i].first;
    fail_unless_equals_uint64(pts, expected);
    fail_unless(again[start + i].second == original[i].second, "frame %zu differs after the seek",
                i);
  }
  fail_unless(gst_harness_push_upstream_event(
      h, gst_event_new_seek(1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, GST_SEEK_TYPE_SET,
                            GST_SECOND, GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE)));
  again = pull_frames(h, 60);
  start = 0;
  while (start < again.size() && again[start].first != GST_SECOND) ++start;
  fail_unless(start < again.size(), "no frame at 1 s after the seek");
  fail_unless(again[start].second == original[8].second, "the frame at 1 s is not frame 8");
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(live_is_not_seekable_and_has_no_fixed_duration) {
  GstHarness* h = start_harness("is-live=true num-buffers=10");
  gst_harness_play(h);
  GstQuery* seeking = gst_query_new_seeking(GST_FORMAT_TIME);
  gboolean seekable = TRUE;
  if (gst_element_query(h->element, seeking))
    gst_query_parse_seeking(seeking, nullptr, &seekable, nullptr, nullptr);
  fail_if(seekable);
  gst_query_unref(seeking);
  gint64 duration = 0;
  const bool known = gst_element_query_duration(h->element, GST_FORMAT_TIME, &duration);
  fail_if(known && duration > 0, "live duration %" G_GINT64_FORMAT, duration);
  gst_harness_teardown(h);
}
GST_END_TEST;

// Defect 8: unlock (every live PLAYING -> PAUSED, EOS) wakes the streaming thread but does not
// cancel the window in progress; only close (stop, seek) does.
GST_START_TEST(unlock_does_not_cancel_generation) {
  ditstream::FrameQueue queue;
  queue.reset(4);
  queue.set_flushing(true);
  fail_if(queue.cancelled());
  ditstream::GeneratedFrame frame;
  fail_unless(queue.pop(frame) == ditstream::FrameQueue::PopStatus::Flushing);
  fail_unless(queue.wait_for_room());  // the producer keeps generating ahead
  queue.set_flushing(false);
  queue.close();
  fail_unless(queue.cancelled());
  fail_if(queue.wait_for_room());
}
GST_END_TEST;

static Suite* ditstreamsrc_conformance_suite() {
  Suite* s = suite_create("ditstreamsrc-conformance");
  TCase* tc = tcase_create("conformance");
  tcase_set_timeout(tc, 170);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, renegotiation_keeps_timestamps_contiguous);
  tcase_add_test(tc, other_framerates_are_refused_with_a_videorate_hint);
  tcase_add_test(tc, pixels_are_square_and_progressive);
  tcase_add_test(tc, live_latency_is_one_frame_and_needs_no_queue);
  tcase_add_test(tc, negotiation_error_names_the_field_and_both_caps);
  tcase_add_test(tc, negotiation_failure_never_hangs);
  tcase_add_test(tc, start_failure_posts_one_error);
  tcase_add_test(tc, model_loads_asynchronously_with_progress);
  tcase_add_test(tc, errors_use_conventional_codes);
  tcase_add_test(tc, seek_restarts_the_same_frames);
  tcase_add_test(tc, live_is_not_seekable_and_has_no_fixed_duration);
  tcase_add_test(tc, unlock_does_not_cancel_generation);
  return s;
}

GST_CHECK_MAIN(ditstreamsrc_conformance)
