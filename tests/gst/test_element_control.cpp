// Prompt control of ditstreamsrc: the upstream event, the prompt property at PLAYING, the
// set-prompt action signal, malformed events, and tee-duplicated events.
#include "gst_test_support.h"

#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gstinterpolationcontrolsource.h>

#include <string>

namespace {

// First frame of window 1: window 0 commits S = 7 latent frames, 1 + 4 * 6 = 25 video frames.
constexpr gint64 kWindow1 = 25;

// Pulls `count` buffers and returns the frame index where prompt `id` first appears (-1: never).
gint64 first_frame_of(GstHarness* h, gint64 id, int count, double* weight = nullptr,
                      int start = 0) {
  gint64 first = -1;
  for (int i = start; i < count; ++i) {
    GstBuffer* b = gst_harness_pull(h);
    fail_unless(b != nullptr);
    const DitstreamFrameMeta* meta = ditstream_buffer_get_frame_meta(b);
    fail_unless(meta != nullptr);
    fail_unless_equals_int64(meta->frame_index, i);
    if (first < 0 && meta->prompt_id == id) {
      first = i;
      if (weight) *weight = meta->transition_weight;
    }
    if (first < 0) fail_unless_equals_int64(meta->prompt_id, 1);
    gst_buffer_unref(b);
  }
  return first;
}

// The prompt-applied message of prompt `id`.
GstMessage* applied_message(GstBus* bus, gint64 id) {
  for (GstMessage* m; (m = wait_element_message(bus, DITSTREAM_MESSAGE_PROMPT_APPLIED));) {
    if (message_int64(m, "prompt-id") == id) return m;
    gst_message_unref(m);
  }
  return nullptr;
}

// After refused events: the element still streams; then the test's harness and bus go.
void expect_streaming_then_tear_down(GstHarness* h, GstBus* bus) {
  GstBuffer* b = gst_harness_pull(h);
  fail_unless(b != nullptr);
  gst_buffer_unref(b);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}

GstEvent* malformed(const char* fields) {
  GstStructure* s = gst_structure_from_string(fields, nullptr);
  fail_unless(s != nullptr, "%s", fields);
  return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, s);
}

}  // namespace

GST_START_TEST(event_changes_prompt_at_stated_frame) {
  GstHarness* h = start_harness("");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  GstEvent* event = ditstream_event_new_set_prompt_full("a white wolf in the snow", nullptr, "wolf",
                                                        kWindow1, GST_CLOCK_TIME_NONE, 0);
  fail_unless(gst_harness_push_upstream_event(h, event));
  double weight = 0;
  fail_unless_equals_int64(first_frame_of(h, 2, 60, &weight), kWindow1);
  fail_unless_equals_float(weight, 1.0);  // transition-windows=0: no interpolated window
  GstMessage* m = applied_message(bus, 2);
  fail_unless(m != nullptr);
  fail_unless_equals_int64(message_int64(m, "frame"), kWindow1);
  guint64 pts = 0;
  fail_unless(gst_structure_get_uint64(gst_message_get_structure(m), "pts", &pts));
  fail_unless_equals_uint64(pts, frame_time(kWindow1, 8, 1));
  fail_unless_equals_string(gst_structure_get_string(gst_message_get_structure(m), "prompt"),
                            "a white wolf in the snow");
  fail_unless_equals_string(gst_structure_get_string(gst_message_get_structure(m), "transition"),
                            "blend");
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

// transition=cut: the prompt comes in at the window boundary with no interpolated window (even
// though transition-windows is 1), and its prompt-applied message says so.
GST_START_TEST(cut_event_switches_at_the_boundary_and_says_so) {
  GstHarness* h = start_harness("");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  fail_unless(gst_harness_push_upstream_event(
      h, malformed("ditstreamsrc-set-prompt, prompt=(string)\"a white wolf\", "
                   "frame=(gint64)25, transition=(string)cut")));
  double weight = 0;
  fail_unless_equals_int64(first_frame_of(h, 2, 60, &weight), kWindow1);
  fail_unless_equals_float(weight, 1.0);
  GstMessage* m = applied_message(bus, 2);
  fail_unless(m != nullptr);
  fail_unless_equals_string(gst_structure_get_string(gst_message_get_structure(m), "transition"),
                            "cut");
  gst_message_unref(m);
  fail_if(gst_harness_push_upstream_event(
      h, malformed("ditstreamsrc-set-prompt, prompt=(string)x, transition=(string)fade")));
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(prompt_property_at_playing) {
  // lookahead=1: the worker waits for window 0's frames to drain before planning window 1.
  GstHarness* h = start_harness("transition-windows=0 lookahead=1");
  GstBus* bus = attach_bus(h->element);
  gst_harness_set_blocking_push_mode(h);  // keeps window 1 from starting before the change
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));  // window 0 is done, window 1 not yet planned
  g_object_set(h->element, "prompt", "a red fox", nullptr);
  gchar* prompt = nullptr;
  g_object_get(h->element, "prompt", &prompt, nullptr);
  fail_unless_equals_string(prompt, "a red fox");
  g_free(prompt);
  fail_unless_equals_int64(first_frame_of(h, 2, 60, nullptr, 1), kWindow1);
  GstMessage* m = applied_message(bus, 2);
  fail_unless(m != nullptr);
  fail_unless_equals_int64(message_int64(m, "frame"), kWindow1);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(set_prompt_action_signal) {
  GstHarness* h = start_harness("transition-windows=1");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  gint64 id = -1;
  g_signal_emit_by_name(h->element, "set-prompt", "a white wolf", gint64(kWindow1), &id);
  fail_unless_equals_int64(id, 2);
  double weight = 0;
  fail_unless_equals_int64(first_frame_of(h, id, 60, &weight), kWindow1);
  fail_unless(weight > 0.0 && weight < 1.0, "one transition window: weight %f", weight);
  GstMessage* m = wait_element_message(bus, DITSTREAM_MESSAGE_TRANSITION);
  fail_unless(m != nullptr);
  fail_unless_equals_string(gst_structure_get_string(gst_message_get_structure(m), "phase"),
                            "start");
  fail_unless_equals_int64(message_int64(m, "to-prompt-id"), id);
  gst_message_unref(m);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(malformed_events_are_refused) {
  fail_unless(ditstream_event_new_set_prompt_full("x", nullptr, nullptr, 3, GST_SECOND, -1) ==
              nullptr);
  fail_unless(ditstream_event_new_set_prompt(nullptr, -1) == nullptr);
  GstHarness* h = start_harness("");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  for (const char* fields :
       {"ditstreamsrc-set-prompt", "ditstreamsrc-set-prompt, prompt=(int)3",
        "ditstreamsrc-set-prompt, prompt=(string)x, frame=(gint64)-5",
        "ditstreamsrc-set-prompt, prompt=(string)x, frame=(gint64)5, running-time=(guint64)0",
        "ditstreamsrc-set-prompt, prompt=(string)x, frame=(string)soon",
        "ditstreamsrc-set-prompt, prompt=(string)x, transition-windows=(double)1.5",
        "ditstreamsrc-set-prompt, prompt=(string)x, motion=(int)1"}) {
    fail_if(gst_harness_push_upstream_event(h, malformed(fields)), "accepted: %s", fields);
    GstMessage* w = gst_bus_timed_pop_filtered(bus, 5 * GST_SECOND, GST_MESSAGE_WARNING);
    fail_unless(w != nullptr, "no warning for: %s", fields);
    const BusError warning = bus_error(w);
    fail_unless(warning.domain == GST_CORE_ERROR && warning.code == GST_CORE_ERROR_EVENT);
    gst_message_unref(w);
  }
  fail_unless(gst_harness_push_upstream_event(
      h, malformed("ditstreamsrc-set-prompt, prompt=(string)fine, frame=(int)100")));
  expect_streaming_then_tear_down(h, bus);
}
GST_END_TEST;

// The next warning within `seconds`, its text, or "" (errors fail the test).
std::string next_warning(GstBus* bus, int seconds = 10) {
  GstMessage* m = gst_bus_timed_pop_filtered(
      bus, seconds * GST_SECOND, GstMessageType(GST_MESSAGE_WARNING | GST_MESSAGE_ERROR));
  if (!m) return "";
  const bool is_error = GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR;
  const std::string text = bus_error(m).text;
  gst_message_unref(m);
  fail_if(is_error, "error: %s", text.c_str());
  return text;
}

// Subject words the stream cannot place are refused on the caller's thread by the event, the
// action signal and the property, each with a warning; the stream goes on.
GST_START_TEST(unusable_subject_words_are_refused_on_the_callers_thread) {
  GstHarness* h = start_harness("kv-sharing=mask-guided");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);  // everything below happens while window 0 is generated
  GstEvent* event = ditstream_event_new_set_prompt_full("a red circle", nullptr, "zebra", kWindow1,
                                                        GST_CLOCK_TIME_NONE, 0);
  fail_if(gst_harness_push_upstream_event(h, event));
  fail_unless(next_warning(bus).find("zebra") != std::string::npos);
  g_object_set(h->element, "subject-words", "zebra", nullptr);
  gint64 id = 0;
  g_signal_emit_by_name(h->element, "set-prompt", "a red circle", gint64(kWindow1), &id);
  fail_unless_equals_int64(id, -1);
  fail_unless(next_warning(bus).find("zebra") != std::string::npos);
  gchar* before = nullptr;
  g_object_get(h->element, "prompt", &before, nullptr);
  g_object_set(h->element, "prompt", "a red circle", nullptr);
  fail_unless(next_warning(bus).find("zebra") != std::string::npos);
  gchar* after = nullptr;
  g_object_get(h->element, "prompt", &after, nullptr);
  fail_unless_equals_string(after, before);  // a refused prompt is not the property's value
  g_free(before);
  g_free(after);
  g_object_set(h->element, "subject-words", "circle", nullptr);
  g_signal_emit_by_name(h->element, "set-prompt", "a red circle", gint64(kWindow1), &id);
  fail_unless_equals_int64(id, 2);
  fail_unless_equals_int64(first_frame_of(h, id, 40), kWindow1);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

// A prompt with words the model's tokenizer lacks is taken, with a bus warning naming them; a
// start-time property set while PLAYING is kept for the next start, with a warning naming it.
GST_START_TEST(unknown_words_and_late_properties_are_warned_about) {
  GstHarness* h = start_harness("");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  gint64 id = 0;
  g_signal_emit_by_name(h->element, "set-prompt", "a panda \xe7\x8b\x90", gint64(kWindow1), &id);
  fail_unless_equals_int64(id, 2);
  const std::string unknown = next_warning(bus);
  fail_unless_equals_string(unknown.c_str(), "1 of 3 words unknown to model tiny: \xe7\x8b\x90");
  g_object_set(h->element, "steps", 3, nullptr);
  const std::string late = next_warning(bus);
  fail_unless(late.find("property 'steps' changed while PLAYING") != std::string::npos, "%s",
              late.c_str());
  expect_streaming_then_tear_down(h, bus);
}
GST_END_TEST;

GST_START_TEST(endless_transition_is_refused) {
  GstHarness* h = start_harness("");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  GstEvent* event = ditstream_event_new_set_prompt_full("a wolf", nullptr, nullptr, kWindow1,
                                                        GST_CLOCK_TIME_NONE, 100000);
  fail_if(gst_harness_push_upstream_event(h, event));
  fail_unless(next_warning(bus).find("transition-windows") != std::string::npos);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

// Motion control: the property starts the stream moving, an event's `motion` field sets a
// prompt's own, and one that is not DX,DY is refused with a warning naming the field.
GST_START_TEST(motion_property_and_event_field) {
  GstHarness* h = start_harness("motion=1,0");
  GstBus* bus = attach_bus(h->element);
  gchar* motion = nullptr;
  g_object_get(h->element, "motion", &motion, nullptr);
  fail_unless_equals_string(motion, "1,0");
  g_free(motion);
  gst_harness_play(h);
  fail_unless(gst_harness_push_upstream_event(
      h,
      malformed("ditstreamsrc-set-prompt, prompt=(string)\"a wolf\", motion=(string)\"0,-0.5\"")));
  fail_if(gst_harness_push_upstream_event(
      h, malformed("ditstreamsrc-set-prompt, prompt=(string)x, motion=(string)left")));
  fail_unless(next_warning(bus).find("motion: 'left' is not DX,DY") != std::string::npos);
  expect_streaming_then_tear_down(h, bus);
}
GST_END_TEST;

// A prompt only the generation thread finds unusable (mask-guided with automatic subjects: no
// content word) is dropped with a warning, and the stream keeps its previous prompt.
GST_START_TEST(prompt_the_worker_cannot_use_is_dropped) {
  GstHarness* h = start_harness("kv-sharing=mask-guided");
  GstBus* bus = attach_bus(h->element);
  gst_harness_play(h);
  gint64 id = -1;
  g_signal_emit_by_name(h->element, "set-prompt", "the of and", gint64(kWindow1), &id);
  fail_unless_equals_int64(id, 2);
  fail_unless_equals_int64(first_frame_of(h, id, 60), -1);
  fail_unless(next_warning(bus).find("dropped prompt 2") != std::string::npos);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

// guidance is GST_PARAM_CONTROLLABLE: a GstController drives it, synced at each window's first
// new frame (window 0: frame 0, window 1: frame 25 = 3.125 s).
GST_START_TEST(guidance_follows_a_control_source) {
  GstHarness* h = start_harness("");
  GstBus* bus = attach_bus(h->element);
  GstControlSource* source = gst_interpolation_control_source_new();
  g_object_set(source, "mode", GST_INTERPOLATION_MODE_NONE, nullptr);
  auto* values = GST_TIMED_VALUE_CONTROL_SOURCE(source);
  gst_timed_value_control_source_set(values, 0, 6.0);
  gst_timed_value_control_source_set(values, GST_SECOND, 2.0);
  gst_object_add_control_binding(
      GST_OBJECT(h->element),
      gst_direct_control_binding_new_absolute(GST_OBJECT(h->element), "guidance", source));
  gst_harness_play(h);
  for (gint64 window = 0; window < 2; ++window) {
    GstMessage* m = wait_element_message(bus, DITSTREAM_MESSAGE_WINDOW);
    fail_unless(m != nullptr);
    fail_unless_equals_int64(message_int64(m, "index"), window);
    gdouble guidance = 0;
    gst_structure_get_double(gst_message_get_structure(m), "guidance", &guidance);
    fail_unless_equals_float(guidance, window == 0 ? 6.0 : 2.0);
    gst_message_unref(m);
  }
  gst_object_unref(source);
  gst_object_unref(bus);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(tee_duplicated_event_applies_once) {
  GError* error = nullptr;
  GstElement* pipeline =
      gst_parse_launch(("ditstreamsrc name=src " + std::string(kFastProperties) +
                        " ! tee name=t t. ! queue ! fakesink t. ! queue ! fakesink")
                           .c_str(),
                       &error);
  fail_unless(pipeline != nullptr, "%s", error ? error->message : "");
  fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int(gst_element_get_state(pipeline, nullptr, nullptr, 60 * GST_SECOND),
                         GST_STATE_CHANGE_SUCCESS);
  // The bin sends the event to both sinks; both copies reach the source through the tee.
  fail_unless(gst_element_send_event(pipeline, ditstream_event_new_set_prompt("a wolf", 200)));
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  gint64 id = -1;
  g_signal_emit_by_name(src, "set-prompt", "an owl", gint64(300), &id);
  fail_unless_equals_int64(id, 3);  // 1: the initial prompt, 2: the event (once)
  gst_object_unref(src);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}
GST_END_TEST;

static Suite* ditstreamsrc_control_suite() {
  Suite* s = suite_create("ditstreamsrc-control");
  TCase* tc = tcase_create("control");
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, event_changes_prompt_at_stated_frame);
  tcase_add_test(tc, prompt_property_at_playing);
  tcase_add_test(tc, set_prompt_action_signal);
  tcase_add_test(tc, malformed_events_are_refused);
  tcase_add_test(tc, tee_duplicated_event_applies_once);
  tcase_add_test(tc, unusable_subject_words_are_refused_on_the_callers_thread);
  tcase_add_test(tc, endless_transition_is_refused);
  tcase_add_test(tc, unknown_words_and_late_properties_are_warned_about);
  tcase_add_test(tc, motion_property_and_event_field);
  tcase_add_test(tc, cut_event_switches_at_the_boundary_and_says_so);
  tcase_add_test(tc, prompt_the_worker_cannot_use_is_dropped);
  tcase_add_test(tc, guidance_follows_a_control_source);
  return s;
}

GST_CHECK_MAIN(ditstreamsrc_control)
