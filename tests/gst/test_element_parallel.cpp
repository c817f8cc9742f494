// ditstreamsrc parallel=cfg|ulysses: local workers started and stopped by the element
// (torch.distributed c10d over Gloo on loopback). The frames match one process (mask-guided
// KV-sharing too); a killed worker is an error on the bus within 5 s, teardown takes < 2 s, no
// worker is left, and the pipeline plays again.
#include "gst_test_support.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// This process's children, from /proc (the element's local workers), but `bystander`.
std::vector<pid_t> children(pid_t bystander = 0) {
  std::vector<pid_t> pids;
  DIR* proc = opendir("/proc");
  while (dirent* entry = proc ? readdir(proc) : nullptr) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    const std::string path = "/proc/" + std::string(entry->d_name) + "/stat";
    FILE* f = std::fopen(path.c_str(), "r");
    int ppid = 0;
    char state = 0;
    if (f && std::fscanf(f, "%*d %*s %c %d", &state, &ppid) == 2 && ppid == getpid() &&
        state != 'Z' && pid != bystander)
      pids.push_back(pid);
    if (f) std::fclose(f);
  }
  if (proc) closedir(proc);
  return pids;
}

// `frames` RGB frames of the fox, then the wolf from 2 s on.
std::vector<guint8> pull_bytes(const std::string& properties, int frames) {
  GstHarness* h = start_harness("seed=9 " + properties, "video/x-raw,format=RGB");
  g_object_set(h->element, "prompt-schedule",
               "0:a red fox running in the snow;2:a white wolf in the snow", nullptr);
  gst_harness_play(h);
  std::vector<guint8> bytes;
  for (int i = 0; i < frames; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless(b != nullptr);
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_READ);
    bytes.insert(bytes.end(), map.data, map.data + map.size);
    gst_buffer_unmap(b, &map);
    gst_buffer_unref(b);
  }
  gst_harness_teardown(h);
  return bytes;
}

// Every byte of `a` within 1 of `b`; prints how many differ.
void expect_within_one_level(const std::vector<guint8>& a, const std::vector<guint8>& b,
                             const char* what) {
  fail_unless_equals_int(a.size(), b.size());
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    fail_unless(std::abs(int(a[i]) - int(b[i])) <= 1, "%s byte %zu: %d vs %d", what, i, a[i], b[i]);
    differ += a[i] != b[i];
  }
  std::printf("%s: %zu of %zu bytes differ by 1\n", what, differ, a.size());
}

GstMessage* wait_error(GstBus* bus, double seconds) {
  return gst_bus_timed_pop_filtered(bus, GstClockTime(seconds * GST_SECOND), GST_MESSAGE_ERROR);
}

double seconds_since(gint64 start) { return double(g_get_monotonic_time() - start) / 1e6; }

}  // namespace

// Three windows (a KV-sharing transition window among them): every byte within 1 of one process,
// for each mode.
GST_START_TEST(parallel_frames_match_one_process) {
  const auto one = pull_bytes("", 73);
  for (const std::string mode : {"cfg", "ulysses"}) {
    expect_within_one_level(pull_bytes("parallel=" + mode, 73), one, mode.c_str());
    fail_unless(children().empty(), "a worker outlived the element");
  }
}
GST_END_TEST;

// The causal generator on tiny-Wan (chunks of 3 latent frames, the prompt switch at 2 s by
// KV-recache): Ulysses with the KV cache sharded by heads.
GST_START_TEST(causal_ulysses_frames_match_one_process) {
  const std::string causal =
      "model=" DITSTREAM_TINY_WAN_MODEL " width=48 height=32 generator=causal ";
  const auto one = pull_bytes(causal, 57);
  expect_within_one_level(pull_bytes(causal + "parallel=ulysses", 57), one, "causal ulysses");
  fail_unless(children().empty(), "a worker outlived the element");
}
GST_END_TEST;

// Sends `signal` to the worker mid-window: an error naming `reason` within 5 s, teardown < 2 s,
// no worker left, and the pipeline plays again with a fresh worker.
static void fail_worker(int signal, const char* reason) {
  // A child of the application's own, which the element's teardown must leave alone.
  const pid_t bystander = fork();
  if (bystander == 0) {
    pause();
    _exit(0);
  }
  GstElement* pipeline = gst_parse_launch(("ditstreamsrc name=src " + std::string(kFastProperties) +
                                           " steps=1000 parallel=cfg ! fakesink")
                                              .c_str(),
                                          nullptr);
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<pid_t> workers;
  for (int i = 0; i < 600 && workers.empty(); ++i, g_usleep(100000)) workers = children(bystander);
  fail_unless_equals_int(workers.size(), 1);
  g_usleep(3 * G_USEC_PER_SEC);  // the worker has joined and is inside window 0's forwards
  kill(workers[0], signal);
  const gint64 killed = g_get_monotonic_time();
  GstMessage* error = wait_error(bus, 10.0);
  fail_unless(error != nullptr, "no error on the bus");
  const double detected = seconds_since(killed);
  const std::string text = bus_error(error).text;
  std::printf("error after %.2f s: %s\n", detected, text.c_str());
  fail_unless(detected < 5.0, "error after %.2f s", detected);
  fail_unless(text.find(reason) != std::string::npos, "%s", text.c_str());
  gst_message_unref(error);
  const gint64 teardown = g_get_monotonic_time();
  fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless(seconds_since(teardown) < 2.0, "teardown took %.2f s", seconds_since(teardown));
  fail_unless(children(bystander).empty(), "a worker outlived the stream");
  fail_unless(kill(bystander, 0) == 0, "the teardown signalled a process not its own");
  // Again, with a fresh worker: prerolls (a first frame) and stops cleanly.
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  g_object_set(src, "steps", 2, nullptr);
  gst_object_unref(src);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  fail_unless_equals_int(gst_element_get_state(pipeline, nullptr, nullptr, 120 * GST_SECOND),
                         GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless(children(bystander).empty(), "a worker outlived the second stream");
  kill(bystander, SIGKILL);
  waitpid(bystander, nullptr, 0);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
}

GST_START_TEST(killed_worker_is_a_bus_error_and_the_pipeline_plays_again) {
  fail_worker(SIGKILL, "parallel worker rank 1 was killed by signal 9");
}
GST_END_TEST;

// A hung worker (stopped) is found by its heartbeat through the store.
GST_START_TEST(hung_worker_is_a_bus_error_and_the_pipeline_plays_again) {
  fail_worker(SIGSTOP, "parallel worker rank 1 stopped responding");
}
GST_END_TEST;

// Mask-guided KV-sharing in the transition window: split by branch, the conditional rank relays
// its subject masks to the unconditional one; split by tokens, the maps are made whole.
GST_START_TEST(mask_guided_parallel_frames_match_one_process) {
  const std::string masked = "kv-sharing=mask-guided ";
  const auto one = pull_bytes(masked, 73);
  fail_if(one == pull_bytes("", 73), "mask-guided sharing changed no frame");
  for (const std::string mode : {"cfg", "ulysses"}) {
    const std::string what = "mask-guided " + mode;
    expect_within_one_level(pull_bytes(masked + "parallel=" + mode, 73), one, what.c_str());
  }
  fail_unless(children().empty(), "a worker outlived the element");
}
GST_END_TEST;

GST_START_TEST(cfg_with_step_cache_is_refused_by_name) {
  GstHarness* h = start_harness("parallel=cfg step-cache=0.1");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  GstMessage* error = wait_error(bus, 60.0);
  fail_unless(error != nullptr);
  const std::string text = bus_error(error).text;
  fail_unless(text.find("parallel=cfg") != std::string::npos &&
                  text.find("step-cache") != std::string::npos,
              "%s", text.c_str());
  gst_message_unref(error);
  gst_harness_teardown(h);
  gst_object_unref(bus);
  fail_unless(children().empty());
}
GST_END_TEST;

static Suite* parallel_suite() {
  Suite* s = suite_create("ditstreamsrc-parallel");
  TCase* tc = tcase_create("parallel");
  tcase_set_timeout(tc, 170);
  tcase_add_test(tc, parallel_frames_match_one_process);
  tcase_add_test(tc, causal_ulysses_frames_match_one_process);
  tcase_add_test(tc, killed_worker_is_a_bus_error_and_the_pipeline_plays_again);
  tcase_add_test(tc, hung_worker_is_a_bus_error_and_the_pipeline_plays_again);
  tcase_add_test(tc, mask_guided_parallel_frames_match_one_process);
  tcase_add_test(tc, cfg_with_step_cache_is_refused_by_name);
  suite_add_tcase(s, tc);
  return s;
}

GST_CHECK_MAIN(parallel);
