#pragma once
// The samplers a model folder's scheduler/ allows: the discrete v-prediction schedules of
// CogVideoX (ddim, dpm, dpmpp-2m-sde) or Wan's flow matching (unipc, euler).

#include "core/sampling/flow_schedule.h"
#include "core/sampling/scheduler_config.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ditstream {

class SamplerFactory {
 public:
  explicit SamplerFactory(SchedulerConfig discrete);
  explicit SamplerFactory(FlowSchedulerConfig flow);
  // scheduler_dir/scheduler_config.json: flow matching for FlowMatchEulerDiscreteScheduler and
  // for UniPCMultistepScheduler with use_flow_sigmas, the discrete schedules otherwise.
  static SamplerFactory load(const std::filesystem::path& scheduler_dir);

  // Throws naming the known samplers when `name` is not one of names().
  std::unique_ptr<Sampler> make(const std::string& name, int64_t num_steps, NoiseFn noise) const;
  std::vector<std::string> names() const;
  // The folder's own scheduler: "ddim" (CogVideoX), "unipc" or "euler".
  std::string default_name() const;
  bool flow_matching() const { return flow_.has_value(); }
  // The discrete schedule; throws for a flow-matching folder.
  const SchedulerConfig& discrete() const;

 private:
  std::optional<SchedulerConfig> discrete_;
  std::optional<FlowSchedulerConfig> flow_;
};

}  // namespace ditstream
