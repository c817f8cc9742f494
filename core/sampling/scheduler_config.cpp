#include "core/sampling/scheduler_config.h"

#include <set>
#include <stdexcept>

namespace ditstream {
namespace {

void require(bool ok, const std::string& source, const std::string& field, const std::string& value,
             const std::string& supported) {
  if (!ok) {
    throw std::runtime_error(source + ": scheduler field '" + field + "' = " + value +
                             " is not supported (supported: " + supported + ")");
  }
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

SchedulerConfig SchedulerConfig::from_json(const JsonConfig& json) {
  if (json.has("trained_betas")) {
    throw std::runtime_error(json.source +
                             ": scheduler field 'trained_betas' is not supported (must be null)");
  }
  SchedulerConfig c;
  c.class_name = json.get<std::string>("_class_name", "CogVideoXDDIMScheduler");
  c.num_train_timesteps = json.get<int64_t>("num_train_timesteps", 1000);
  c.beta_start = json.get<double>("beta_start", 0.00085);
  c.beta_end = json.get<double>("beta_end", 0.012);
  c.beta_schedule = json.get<std::string>("beta_schedule", "scaled_linear");
  c.prediction_type = json.get<std::string>("prediction_type", "epsilon");
  c.snr_shift_scale = json.get<double>("snr_shift_scale", 3.0);
  c.rescale_betas_zero_snr = json.get<bool>("rescale_betas_zero_snr", false);
  c.set_alpha_to_one = json.get<bool>("set_alpha_to_one", true);
  c.timestep_spacing = json.get<std::string>("timestep_spacing", "leading");
  c.steps_offset = json.get<int64_t>("steps_offset", 0);
  c.clip_sample = json.get<bool>("clip_sample", true);
  c.clip_sample_range = json.get<double>("clip_sample_range", 1.0);
  c.sample_max_value = json.get<double>("sample_max_value", 1.0);
  c.validate(json.source);
  return c;
}

nlohmann::json SchedulerConfig::to_json() const {
  return {{"_class_name", class_name},
          {"num_train_timesteps", num_train_timesteps},
          {"beta_start", beta_start},
          {"beta_end", beta_end},
          {"beta_schedule", beta_schedule},
          {"trained_betas", nullptr},
          {"prediction_type", prediction_type},
          {"snr_shift_scale", snr_shift_scale},
          {"rescale_betas_zero_snr", rescale_betas_zero_snr},
          {"set_alpha_to_one", set_alpha_to_one},
          {"timestep_spacing", timestep_spacing},
          {"steps_offset", steps_offset},
          {"clip_sample", clip_sample},
          {"clip_sample_range", clip_sample_range},
          {"sample_max_value", sample_max_value}};
}

void SchedulerConfig::validate(const std::string& source) const {
  static const std::set<std::string> classes = {"CogVideoXDDIMScheduler", "CogVideoXDPMScheduler"};
  require(classes.count(class_name) > 0, source, "_class_name", quoted(class_name),
          "\"CogVideoXDDIMScheduler\", \"CogVideoXDPMScheduler\"");
  require(beta_schedule == "scaled_linear", source, "beta_schedule", quoted(beta_schedule),
          "\"scaled_linear\"");
  require(prediction_type == "v_prediction", source, "prediction_type", quoted(prediction_type),
          "\"v_prediction\"");
  require(timestep_spacing == "trailing", source, "timestep_spacing", quoted(timestep_spacing),
          "\"trailing\"");
  require(num_train_timesteps >= 2, source, "num_train_timesteps",
          std::to_string(num_train_timesteps), ">= 2");
  require(beta_start > 0 && beta_end > 0 && beta_end < 1, source, "beta_start/beta_end",
          std::to_string(beta_start) + "/" + std::to_string(beta_end), "0 < beta < 1");
  require(snr_shift_scale > 0, source, "snr_shift_scale", std::to_string(snr_shift_scale), "> 0");
}

}  // namespace ditstream
