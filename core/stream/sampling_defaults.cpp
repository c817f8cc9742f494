#include "core/stream/sampling_defaults.h"

#include "core/io/json_config.h"

#include <stdexcept>

namespace ditstream {

SamplingDefaults SamplingDefaults::load(const std::filesystem::path& root,
                                        const std::string& family) {
  SamplingDefaults d;
  if (family == "wan") d.guidance = 5.0;
  const auto file = root / "ditstream.json";
  if (!std::filesystem::exists(file)) return d;
  const auto json = JsonConfig::load(file);
  d.steps = json.get<int64_t>("steps", d.steps);
  d.guidance = json.get<double>("guidance", d.guidance);
  d.sampler = json.get<std::string>("sampler", d.sampler);
  if (d.steps < 1) throw std::runtime_error(file.string() + ": field 'steps' must be at least 1");
  if (d.guidance < 0)
    throw std::runtime_error(file.string() + ": field 'guidance' must not be negative");
  return d;
}

}  // namespace ditstream
