#pragma once
// A live prompt's way through the element: from the set-prompt event sent upstream at the sink
// to the first buffer of the new prompt there, in wall time and in frames.

#include <string>
#include <vector>

namespace ditstream::bench {

struct PromptDelay {
  long long requested_frame = 0;  // the last frame the sink had when the event was sent
  long long applied_frame = 0;    // the first frame of the new prompt
  double seconds = 0;
};

// Runs `source ! fakesink sync=true` and changes the prompt `changes` times, each once the sink
// has seen `spacing` frames of the previous one.
std::vector<PromptDelay> measure_prompt_delays(const std::string& source, int changes,
                                               long long spacing);
std::string prompt_delay_table(const std::string& source, const std::vector<PromptDelay>& rows);

}  // namespace ditstream::bench
