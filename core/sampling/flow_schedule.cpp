#include "core/sampling/flow_schedule.h"

#include "core/sampling/flow_euler_sampler.h"
#include "core/sampling/unipc_sampler.h"

#include <cmath>
#include <stdexcept>

namespace ditstream {
namespace {

const std::string kUniPC = "UniPCMultistepScheduler";
const std::string kEuler = "FlowMatchEulerDiscreteScheduler";

[[noreturn]] void unsupported(const JsonConfig& json, const std::string& field,
                              const std::string& value, const std::string& supported) {
  throw std::runtime_error(json.source + ": scheduler field '" + field + "' = " + value +
                           " is not supported (supported: " + supported + ")");
}

std::string bool_text(bool value) { return value ? "true" : "false"; }

void require_flag(const JsonConfig& json, const std::string& field, bool fallback, bool wanted) {
  const bool value = json.get<bool>(field, fallback);
  if (value != wanted) unsupported(json, field, bool_text(value), bool_text(wanted));
}

std::string require_one_of(const JsonConfig& json, const std::string& field,
                           const std::string& fallback, const std::vector<std::string>& allowed) {
  const auto value = json.get<std::string>(field, fallback);
  std::string listed;
  for (const auto& a : allowed) {
    if (value == a) return value;
    listed += (listed.empty() ? "\"" : ", \"") + a + "\"";
  }
  unsupported(json, field, "\"" + value + "\"", listed);
}

void require_null(const JsonConfig& json, const std::vector<std::string>& fields) {
  for (const auto& field : fields)
    if (json.has(field)) unsupported(json, field, json.json.at(field).dump(), "null");
}

double require_positive(const JsonConfig& json, const std::string& field, double fallback) {
  const double value = json.get<double>(field, fallback);
  if (!(value > 0)) unsupported(json, field, std::to_string(value), "> 0");
  return value;
}

void check_common(const JsonConfig& json) {
  for (const auto* field :
       {"use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "use_dynamic_shifting"})
    require_flag(json, field, false, false);
  require_null(json, {"shift_terminal"});
}

void check_unipc(const JsonConfig& json) {
  require_flag(json, "use_flow_sigmas", false, true);
  require_one_of(json, "prediction_type", "epsilon", {"flow_prediction"});
  require_flag(json, "predict_x0", true, true);
  require_flag(json, "thresholding", false, false);
  require_one_of(json, "final_sigmas_type", "zero", {"zero"});
  require_one_of(json, "timestep_spacing", "linspace", {"linspace", "leading", "trailing"});
  require_null(json, {"solver_p", "sigma_min", "sigma_max"});
}

UniPCOptions read_unipc(const JsonConfig& json) {
  check_unipc(json);
  UniPCOptions o;
  const auto type = require_one_of(json, "solver_type", "bh2", {"bh1", "bh2"});
  o.variant = type == "bh1" ? UniPCVariant::kBh1 : UniPCVariant::kBh2;
  o.solver_order = static_cast<int64_t>(require_positive(json, "solver_order", 2));
  o.lower_order_final = json.get<bool>("lower_order_final", true);
  // Without it a multistep last step divides by h = inf (σ = 0) and returns NaN.
  if (!o.lower_order_final && o.solver_order > 1)
    unsupported(json, "lower_order_final", "false", "true when solver_order > 1");
  o.disable_corrector = json.get<std::vector<int64_t>>("disable_corrector", {});
  return o;
}

void check_euler(const JsonConfig& json) {
  require_flag(json, "invert_sigmas", false, false);
  require_flag(json, "stochastic_sampling", false, false);
}

void require_steps(int64_t num_steps, int64_t num_train_timesteps) {
  if (num_steps < 1 || num_train_timesteps < 1) {
    throw std::runtime_error("flow schedule: num_steps = " + std::to_string(num_steps) +
                             " and num_train_timesteps = " + std::to_string(num_train_timesteps) +
                             " must both be >= 1");
  }
}

// numpy.linspace: k * ((stop - start) / (num - 1)) + start, the last entry exactly stop.
std::vector<double> numpy_linspace(double start, double stop, int64_t num) {
  std::vector<double> out(static_cast<size_t>(num), start);
  if (num < 2) return out;
  const double step = (stop - start) / static_cast<double>(num - 1);
  for (int64_t k = 1; k < num - 1; ++k) out[k] = static_cast<double>(k) * step + start;
  out[num - 1] = stop;
  return out;
}

// FlowMatchEulerDiscreteScheduler.__init__ shifts its fp32 training sigmas in fp32, with the
// shift rounded to fp32 (torch's handling of Python scalars).
float shifted_sigma_f32(float sigma, double shift) {
  return static_cast<float>(shift) * sigma / (1.0f + static_cast<float>(shift - 1.0) * sigma);
}

}  // namespace

double shifted_sigma(double sigma, double shift) {
  return shift * sigma / (1.0 + (shift - 1.0) * sigma);
}

FlowSchedule unipc_flow_schedule(int64_t num_steps, double shift, int64_t num_train_timesteps) {
  require_steps(num_steps, num_train_timesteps);
  const double train = static_cast<double>(num_train_timesteps);
  auto sigmas = numpy_linspace(1.0, 1.0 / train, num_steps + 1);
  sigmas.pop_back();
  for (auto& s : sigmas) s = shifted_sigma(s, shift);
  // σ = 1 means α = 0 and log(α) = −inf in the first update; the nudge also makes t0 = 999.
  if (std::abs(sigmas[0] - 1.0) < 1e-6) sigmas[0] -= 1e-6;
  FlowSchedule out;
  for (double s : sigmas) {
    out.timesteps.push_back(std::trunc(s * train));
    out.sigmas.push_back(static_cast<float>(s));
  }
  out.sigmas.push_back(0.0f);
  return out;
}

FlowSchedule euler_flow_schedule(int64_t num_steps, double shift, int64_t num_train_timesteps) {
  require_steps(num_steps, num_train_timesteps);
  const double train = static_cast<double>(num_train_timesteps);
  const float train_f32 = static_cast<float>(num_train_timesteps);
  const double sigma_max = shifted_sigma_f32(train_f32 / train_f32, shift);
  const double sigma_min = shifted_sigma_f32(1.0f / train_f32, shift);
  FlowSchedule out;
  for (double t : numpy_linspace(sigma_max * train, sigma_min * train, num_steps)) {
    const auto sigma = static_cast<float>(shifted_sigma(t / train, shift));
    out.sigmas.push_back(sigma);
    out.timesteps.push_back(sigma * train_f32);
  }
  out.sigmas.push_back(0.0f);
  return out;
}

FlowSchedulerConfig FlowSchedulerConfig::from_json(const JsonConfig& json) {
  FlowSchedulerConfig c;
  c.class_name = require_one_of(json, "_class_name", "", {kUniPC, kEuler});
  check_common(json);
  c.num_train_timesteps = static_cast<int64_t>(require_positive(json, "num_train_timesteps", 1000));
  if (c.is_unipc()) {
    c.unipc = read_unipc(json);
    c.shift = require_positive(json, "flow_shift", 1.0);
  } else {
    check_euler(json);
    c.shift = require_positive(json, "shift", 1.0);
  }
  return c;
}

FlowSchedulerConfig FlowSchedulerConfig::load(const std::filesystem::path& scheduler_dir) {
  return from_json(JsonConfig::load(scheduler_dir / "scheduler_config.json"));
}

std::unique_ptr<Sampler> make_flow_sampler(const std::string& name,
                                           const FlowSchedulerConfig& config, int64_t num_steps) {
  const int64_t train = config.num_train_timesteps;
  if (name == "unipc") {
    return std::make_unique<UniPCSampler>(unipc_flow_schedule(num_steps, config.shift, train),
                                          config.unipc);
  }
  if (name == "euler") {
    return std::make_unique<FlowEulerSampler>(euler_flow_schedule(num_steps, config.shift, train));
  }
  throw std::runtime_error("unknown flow sampler '" + name + "' (known: \"unipc\", \"euler\")");
}

}  // namespace ditstream
