#pragma once
// scheduler/scheduler_config.json of a CogVideoX pipeline (diffusers keys). Only the settings
// the CogVideoX schedulers are used with are supported; anything else is rejected by field name.

#include "core/io/json_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace ditstream {

// Member defaults are the CogVideoX-2B values. from_json() falls back to diffusers' constructor
// defaults for absent keys (so a config without `prediction_type` means "epsilon" and is rejected).
struct SchedulerConfig {
  std::string class_name = "CogVideoXDDIMScheduler";
  int64_t num_train_timesteps = 1000;
  double beta_start = 0.00085;
  double beta_end = 0.012;
  std::string beta_schedule = "scaled_linear";
  std::string prediction_type = "v_prediction";
  double snr_shift_scale = 3.0;
  bool rescale_betas_zero_snr = true;
  bool set_alpha_to_one = true;
  std::string timestep_spacing = "trailing";
  int64_t steps_offset = 0;  // unused by "trailing" spacing, kept for to_json()
  bool clip_sample = false;  // the CogVideoX schedulers never clip; kept for to_json()
  double clip_sample_range = 1.0;
  double sample_max_value = 1.0;

  static SchedulerConfig from_json(const JsonConfig& json);
  nlohmann::json to_json() const;
  // Throws naming `source` and the unsupported field.
  void validate(const std::string& source) const;
};

}  // namespace ditstream
