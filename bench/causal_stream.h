#pragma once
// The causal generator's costs in one process: seconds per chunk and per frame against the
// windowed generator on the same model and size, resident memory over a long stream, and the cost
// of a prompt switch by each method.

#include "core/stream/causal_generator.h"
#include "core/stream/stream_generator.h"

#include <string>
#include <vector>

namespace ditstream::bench {

struct CausalRun {
  std::vector<double> chunk_seconds;   // every chunk, in order
  std::vector<double> decode_seconds;  // the VAE decode of every chunk
  std::vector<double> resident_mb;     // VmRSS after every chunk
  int64_t frames = 0;
  int64_t steady_frames = 0;  // frames of the last chunk (the first has fewer)
};

struct SwitchCost {
  std::string method;
  double switch_seconds = 0;  // the switch pass alone
  // Denoising only (pass included; text encoding and VAE decode not, which would drown it).
  double chunk_seconds = 0;  // the switch chunk
  double plain_seconds = 0;  // the chunk before it
};

CausalRun run_causal(std::shared_ptr<const PipelineComponents> model, const CausalOptions& o,
                     int64_t chunks);
// Seconds per video frame of `windows` windowed windows (after the first).
double windowed_seconds_per_frame(std::shared_ptr<const PipelineComponents> model,
                                  const StreamOptions& o, int64_t windows);
// A switch at chunk `at` by each method.
std::vector<SwitchCost> measure_switches(std::shared_ptr<const PipelineComponents> model,
                                         CausalOptions o, int64_t at);
std::string causal_table(const CausalRun& run, double windowed_spf,
                         const std::vector<SwitchCost>& switches, int64_t warmup);

}  // namespace ditstream::bench
