#pragma once
// Formats the bus messages ditstream-control prints, one line each.

#include <gst/gst.h>

#include <string>

namespace ditstream {

// Seconds with millisecond precision ("3.125"), or "-" for GST_CLOCK_TIME_NONE.
std::string format_seconds(GstClockTime t);

// The line for a ditstreamsrc element message, QoS, warning or error; empty when the message is
// not one of them.
std::string describe_message(GstMessage* message);

// PTS of a ditstreamsrc-prompt-applied message, GST_CLOCK_TIME_NONE for any other message.
GstClockTime prompt_applied_pts(GstMessage* message);

}  // namespace ditstream
