#include "core/sampling/sampler_factory.h"

#include "core/sampling/noise_schedule.h"

#include <algorithm>
#include <stdexcept>

namespace ditstream {
namespace {

bool is_flow_config(const JsonConfig& json) {
  const auto name = json.get<std::string>("_class_name", "");
  if (name == "FlowMatchEulerDiscreteScheduler") return true;
  return name == "UniPCMultistepScheduler" && json.get<bool>("use_flow_sigmas", false);
}

std::string joined_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "\"" : ", \"") + n + "\"";
  return out;
}

}  // namespace

SamplerFactory::SamplerFactory(SchedulerConfig discrete) : discrete_(std::move(discrete)) {}

SamplerFactory::SamplerFactory(FlowSchedulerConfig flow) : flow_(std::move(flow)) {}

SamplerFactory SamplerFactory::load(const std::filesystem::path& scheduler_dir) {
  const auto json = JsonConfig::load(scheduler_dir / "scheduler_config.json");
  if (is_flow_config(json)) return SamplerFactory(FlowSchedulerConfig::from_json(json));
  return SamplerFactory(SchedulerConfig::from_json(json));
}

std::vector<std::string> SamplerFactory::names() const {
  if (flow_) return {"unipc", "euler"};
  return {"ddim", "dpm", "dpmpp-2m-sde"};
}

std::string SamplerFactory::default_name() const {
  if (!flow_) return discrete_->class_name == "CogVideoXDPMScheduler" ? "dpm" : "ddim";
  return flow_->is_unipc() ? "unipc" : "euler";
}

std::unique_ptr<Sampler> SamplerFactory::make(const std::string& name, int64_t num_steps,
                                              NoiseFn noise) const {
  const auto known = names();
  if (std::find(known.begin(), known.end(), name) == known.end())
    throw std::runtime_error("sampler '" + name + "' does not fit this model's scheduler (" +
                             (flow_ ? "flow matching" : "discrete v-prediction") +
                             "); known: " + joined_names(known));
  if (flow_) return make_flow_sampler(name, *flow_, num_steps);
  return make_sampler(name, NoiseSchedule(*discrete_), num_steps, std::move(noise));
}

const SchedulerConfig& SamplerFactory::discrete() const {
  if (!discrete_) throw std::runtime_error("a flow-matching scheduler has no discrete schedule");
  return *discrete_;
}

}  // namespace ditstream
