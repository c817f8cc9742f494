#pragma once
// The element messages ditstreamsrc posts on the bus (names in ditstream-event.h).

#include "core/session/generation_worker.h"

#include <gst/gst.h>

#include <exception>
#include <string>

namespace ditstream {

// ditstreamsrc-prompt-applied: prompt-id (gint64), prompt (string), frame (gint64),
// pts (guint64), transition-weight (gdouble). Posted with the first buffer of a prompt.
GstMessage* prompt_applied_message(GstObject* src, const GeneratedFrame& frame, GstClockTime pts);
// ditstreamsrc-window: index, first-frame, frames, prompt-id (gint64), transition-weight
// (gdouble), steps (gint64), guidance (gdouble), generation-time, video-duration (guint64 ns),
// realtime-factor (gdouble: video duration / generation time).
GstMessage* window_message(GstObject* src, const WindowReport& report, GstClockTime video_duration);
// ditstreamsrc-transition: phase ("start" | "end"), window, frame, from-prompt-id,
// to-prompt-id (gint64).
GstMessage* transition_message(GstObject* src, const TransitionReport& report);
// GST_MESSAGE_PROGRESS of the model load: code "load", `text` for people.
GstMessage* load_progress_message(GstObject* src, GstProgressType type, const std::string& text);
// Posts the error a failed start threw: RESOURCE NOT_FOUND or READ for a file or folder that is
// missing or unreadable, LIBRARY SETTINGS for other settings, LIBRARY FAILED for the rest.
void post_start_error(GstElement* src, std::exception_ptr error);

}  // namespace ditstream
