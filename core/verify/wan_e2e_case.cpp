// e2e_<sampler><steps>_cfg<scale> of a Wan folder: WanPipeline from given embeddings and latents,
// through the same WindowPipeline every front end uses.
#include "core/model/wan/family.h"
#include "core/model/wan/streaming_vae_decoder.h"
#include "core/stream/window_pipeline.h"
#include "core/verify/wan_cases.h"

#include <torch/torch.h>

#include <regex>

namespace ditstream {
namespace {

WindowOptions wan_options_from_name(const std::string& name) {
  static const std::regex pattern(R"(e2e_([a-z]+?)(\d+)_cfg([0-9.]+))");
  std::smatch m;
  if (!std::regex_match(name, m, pattern))
    throw std::runtime_error("case name '" + name + "' is not e2e_<sampler><steps>_cfg<scale>");
  WindowOptions o;
  o.sampler = m[1];
  o.steps = std::stoll(m[2]);
  o.guidance = std::stod(m[3]);
  return o;
}

// The stream's (B, F, C, h, w) and Wan's channels-first layout are each other's permutation.
torch::Tensor swap_channels_frames(const torch::Tensor& x) { return x.permute({0, 2, 1, 3, 4}); }

struct Trace {
  std::vector<torch::Tensor> latents, cond, uncond;
};

TensorCheck check_timesteps(const GoldenCase& c, const PipelineComponents& components,
                            const WindowOptions& o) {
  const auto timesteps = components.samplers->make(o.sampler, o.steps, {})->timesteps();
  const auto ref = c.tensors->tensor("timesteps");
  if (ref.scalar_type() == torch::kLong)
    return check_exact("timesteps", torch::tensor(timesteps).to(torch::kLong), ref);
  return check_abs("timesteps", torch::tensor(timesteps).to(torch::kFloat), ref, 1e-4);
}

}  // namespace

std::vector<TensorCheck> run_wan_e2e_case(const GoldenCase& c) {
  const auto& t = *c.tensors;
  const auto options = wan_options_from_name(c.name);
  const auto components = load_pipeline_components(c.model_dir, {c.device, torch::kFloat, ""});
  const WindowPipeline pipeline(components);
  Trace trace;
  WindowCallbacks callbacks;
  callbacks.on_model_output = [&](int64_t step, const torch::Tensor& x, const torch::Tensor& raw,
                                  double) {
    if (step > 0) trace.latents.push_back(swap_channels_frames(x));
    trace.uncond.push_back(swap_channels_frames(raw.slice(0, 0, 1)));
    trace.cond.push_back(swap_channels_frames(raw.slice(0, 1, 2)));
  };
  const auto latents =
      pipeline.denoise(swap_channels_frames(c.input("latents_in")), c.input("prompt_embeds"),
                       c.input("negative_prompt_embeds"), options, callbacks);
  trace.latents.push_back(swap_channels_frames(latents));
  std::vector<TensorCheck> checks{
      check_timesteps(c, *components, options),
      check_rel("noise_pred_cond", torch::stack(trace.cond), t.tensor("noise_pred_cond"), 1e-4),
      check_rel("noise_pred_uncond", torch::stack(trace.uncond), t.tensor("noise_pred_uncond"),
                1e-4),
      check_rel("latents_after_step", torch::stack(trace.latents), t.tensor("latents_after_step"),
                1e-4)};
  if (!t.contains("frames")) return checks;
  const auto& vae = dynamic_cast<const WanVideoVae&>(*components->vae).model()->config();
  checks.push_back(
      check_rel("z", wan_denormalize_latents(vae, trace.latents.back()), t.tensor("z"), 1e-4));
  checks.push_back(check_abs("frames", pipeline.decode(latents), t.tensor("frames"), 1e-3));
  return checks;
}

}  // namespace ditstream
