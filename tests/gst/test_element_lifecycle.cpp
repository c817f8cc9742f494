// ditstreamsrc lifecycle: unlock during a long window, many state cycles without leaks, live
// mode on a test clock (skipped slots, QoS, latency).
#include "gst_test_support.h"

#include <gst/check/gsttestclock.h>

#include <cstdio>
#include <string>

namespace {

void count_finalized(gpointer counter, GObject*) { ++*static_cast<int*>(counter); }

long resident_kib() {
  long kib = 0;
  FILE* f = std::fopen("/proc/self/status", "r");
  char line[256];
  while (f && std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  if (f) std::fclose(f);
  return kib;
}

void cycle(GstElement* pipeline, bool wait_for_preroll) {
  fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  if (wait_for_preroll)
    fail_unless_equals_int(gst_element_get_state(pipeline, nullptr, nullptr, 30 * GST_SECOND),
                           GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
}

}  // namespace

GST_START_TEST(unlock_during_long_window_returns_fast) {
  GstHarness* h = start_harness("steps=1000");
  gst_harness_play(h);
  g_usleep(G_USEC_PER_SEC);  // the generation thread is deep inside window 0
  const gint64 start = g_get_monotonic_time();
  gst_harness_teardown(h);
  const double seconds = double(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
  fail_unless(seconds < 2.0, "teardown took %.2f s", seconds);
}
GST_END_TEST;

// A fresh pipeline per cycle: every ditstreamsrc must be finalized (its pads, pool, thread and
// model go with it) and the process must not grow.
GST_START_TEST(hundred_state_cycles_without_leaks) {
  int finalized = 0;
  long rss = 0;
  for (int i = 0; i <= 100; ++i) {
    if (i == 1) rss = resident_kib();  // after the first use: libtorch and class set-up
    GstElement* pipeline = gst_parse_launch(
        ("ditstreamsrc name=src " + std::string(kFastProperties) + " ! fakesink").c_str(), nullptr);
    fail_unless(pipeline != nullptr);
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    g_object_weak_ref(G_OBJECT(src), count_finalized, &finalized);
    gst_object_unref(src);
    cycle(pipeline, i % 25 == 0);
    gst_object_unref(pipeline);
  }
  const long growth = resident_kib() - rss;
  std::printf("%d of 101 elements finalized, RSS growth %ld KiB over 100 cycles\n", finalized,
              growth);
  fail_unless_equals_int(finalized, 101);
  fail_unless(growth < 64 * 1024, "RSS grew by %ld KiB", growth);
}
GST_END_TEST;

GST_START_TEST(live_mode_skips_slots_and_posts_qos) {
  GstHarness* h = start_harness("is-live=true", "video/x-raw,framerate=8/1");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  GstBuffer* b = gst_harness_pull(h);  // slot 0: no wait
  fail_unless_equals_uint64(GST_BUFFER_PTS(b), 0);
  gst_buffer_unref(b);
  // Slot 1 is waited for on the clock; the clock jumps to 1 s while it waits.
  fail_unless(gst_harness_wait_for_clock_id_waits(h, 1, 60));
  gst_harness_set_time(h, GST_SECOND);
  fail_unless(gst_harness_crank_single_clock_wait(h));
  b = gst_harness_pull(h);
  fail_unless_equals_uint64(GST_BUFFER_PTS(b), GST_SECOND / 8);
  gst_buffer_unref(b);
  b = gst_harness_pull(h);  // slots 2..7 passed: skipped, the frame goes out in slot 8
  fail_unless_equals_uint64(GST_BUFFER_PTS(b), GST_SECOND);
  fail_unless_equals_uint64(GST_BUFFER_DURATION(b), GST_SECOND / 8);
  fail_unless_equals_uint64(GST_BUFFER_OFFSET(b), 2);  // no generated frame is lost
  gst_buffer_unref(b);
  // The worker posts window 0's message and the streaming thread the QoS message, in either order.
  GstMessage *window = nullptr, *qos = nullptr;
  const gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
  while ((!window || !qos) && g_get_monotonic_time() < deadline) {
    GstMessage* m = gst_bus_timed_pop_filtered(
        bus, 100 * GST_MSECOND, GstMessageType(GST_MESSAGE_QOS | GST_MESSAGE_ELEMENT));
    if (m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_QOS && !qos)
      qos = m;
    else if (m && gst_message_has_name(m, DITSTREAM_MESSAGE_WINDOW) && !window)
      window = m;
    else if (m)
      gst_message_unref(m);
  }
  fail_unless(window != nullptr);
  fail_unless(qos != nullptr);
  gst_message_unref(window);
  GstFormat format;
  guint64 processed = 0, dropped = 0;
  gst_message_parse_qos_stats(qos, &format, &processed, &dropped);
  fail_unless_equals_int(format, GST_FORMAT_BUFFERS);
  fail_unless_equals_uint64(dropped, 6);
  gst_message_unref(qos);
  GstQuery* query = gst_query_new_latency();
  fail_unless(gst_pad_peer_query(h->sinkpad, query));
  gboolean live = FALSE;
  GstClockTime min = 0, max = 0;
  gst_query_parse_latency(query, &live, &min, &max);
  fail_unless(live);
  fail_unless_equals_uint64(min, GST_SECOND / 8);  // late windows skip slots, not delay buffers
  gst_query_unref(query);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

static Suite* ditstreamsrc_lifecycle_suite() {
  Suite* s = suite_create("ditstreamsrc-lifecycle");
  TCase* tc = tcase_create("lifecycle");
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, unlock_during_long_window_returns_fast);
  tcase_add_test(tc, hundred_state_cycles_without_leaks);
  tcase_add_test(tc, live_mode_skips_slots_and_posts_qos);
  return s;
}

GST_CHECK_MAIN(ditstreamsrc_lifecycle)
