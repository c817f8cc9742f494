// e2e_<sampler><steps>_cfg<scale>_dyn<0|1>: the whole pipeline from given embeddings and latents.
#include "core/stream/window_pipeline.h"
#include "core/verify/golden_case.h"

#include <torch/torch.h>

#include <regex>

namespace ditstream {
namespace {

WindowOptions options_from_name(const std::string& name) {
  static const std::regex pattern(R"(e2e_([a-z0-9-]+?)(\d+)_cfg([0-9.]+)_dyn([01]).*)");
  std::smatch m;
  if (!std::regex_match(name, m, pattern))
    throw std::runtime_error("case name '" + name +
                             "' is not e2e_<sampler><steps>_cfg<scale>_dyn<0|1>");
  WindowOptions o;
  o.sampler = m[1];
  o.steps = std::stoll(m[2]);
  o.guidance = std::stod(m[3]);
  o.dynamic_cfg = m[4] == "1";
  return o;
}

struct Trace {
  std::vector<torch::Tensor> inputs, raw;
  std::vector<double> scales;
};

}  // namespace

std::vector<TensorCheck> run_e2e_case(const GoldenCase& c) {
  const auto& t = *c.tensors;
  const auto options = options_from_name(c.name);
  const auto components = load_pipeline_components(c.model_dir, {c.device, torch::kFloat, ""});
  const WindowPipeline pipeline(components);
  Trace trace;
  WindowCallbacks callbacks;
  callbacks.on_model_output = [&](int64_t step, const torch::Tensor& x, const torch::Tensor& raw,
                                  double scale) {
    if (step > 0) trace.inputs.push_back(x.clone());
    trace.raw.push_back(raw);
    trace.scales.push_back(scale);
  };
  const auto latents = pipeline.denoise(c.input("latents_in"), c.input("prompt_embeds"),
                                        c.input("negative_prompt_embeds"), options, callbacks);
  trace.inputs.push_back(latents);
  std::vector<TensorCheck> checks{
      check_abs("guidance_scales", torch::tensor(trace.scales, torch::kDouble),
                t.tensor("guidance_scales"), 1e-12),
      check_rel("latents_after_step", torch::stack(trace.inputs), t.tensor("latents_after_step"),
                1e-4),
      check_abs("frames", pipeline.decode(latents), t.tensor("frames"), 1e-3)};
  if (t.contains("transformer_out"))
    checks.push_back(
        check_rel("transformer_out", torch::stack(trace.raw), t.tensor("transformer_out"), 1e-4));
  return checks;
}

}  // namespace ditstream
