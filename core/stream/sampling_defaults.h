#pragma once
// What "auto" sampling settings resolve to for a model folder: its family's pipeline defaults
// (CogVideoX 50 steps at guidance 6, Wan2.1 50 steps at guidance 5, the folder's own scheduler),
// overridden by an optional ditstream.json beside model_index.json, e.g. the shapes-demo's
// {"steps": 20} that keeps it real-time on two CPU cores.

#include <cstdint>
#include <filesystem>
#include <string>

namespace ditstream {

struct SamplingDefaults {
  int64_t steps = 50;
  double guidance = 6.0;
  std::string sampler;  // empty: the scheduler folder's own

  // family: "cogvideox" | "wan". Throws naming ditstream.json and the field when it is malformed.
  static SamplingDefaults load(const std::filesystem::path& root, const std::string& family);
};

}  // namespace ditstream
