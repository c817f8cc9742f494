#pragma once
// What ditstream-control's web page and the app say to each other over the WebSocket, as JSON.

#include "pipelines/prompt_line.h"

#include <gst/gst.h>

#include <string>

namespace ditstream {

// A ditstreamsrc element message as {"name": ..., every field}, a warning or error as
// {"name": "warning" | "error", "text": ...}; "" for any other message.
std::string message_json(GstMessage* message);

// The page's only request, a prompt: {"prompt": TEXT, "subject_words": "a, b",
// "transition_windows": N, "cut": BOOL} (all but prompt optional). Throws std::invalid_argument
// naming the field for anything else: the page can change prompts and nothing more.
PromptLine prompt_from_json(const std::string& text);

}  // namespace ditstream
