#include "core/model/wan/transformer.h"
#include "core/verify/wan_cases.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {
namespace {

// Suggested tolerances of wan-tiny-a/cases/README.md.
constexpr double kOutputRel = 1e-4;
constexpr double kDebugRel = 1e-5;
constexpr double kRopeAbs = 1e-7;

torch::Tensor port_intermediate(const std::string& name, const WanDebug& d) {
  if (name == "dbg_patch_embed") return d.patch_embed;
  if (name == "dbg_rope_cos") return d.rope.cos;
  if (name == "dbg_rope_sin") return d.rope.sin;
  if (name == "dbg_time_sinusoid") return d.time_sinusoid;
  if (name == "dbg_temb") return d.temb;
  if (name == "dbg_timestep_proj") return d.timestep_proj;
  if (name == "dbg_block0_out") return d.block_outputs.at(0);
  if (name == "dbg_text_embed_first16") return d.text_embed.slice(1, 0, 16);
  throw std::runtime_error("wan transformer case: no port value for '" + name + "'");
}

TensorCheck check_intermediate(const std::string& name, const WanDebug& debug,
                               const SafetensorsFile& tensors) {
  const auto port = ditstream::port_intermediate(name, debug);
  if (name.rfind("dbg_rope_", 0) == 0)
    return ditstream::check_abs(name, port, tensors.tensor(name), kRopeAbs);
  return ditstream::check_rel(name, port, tensors.tensor(name), kDebugRel);
}

}  // namespace

std::vector<TensorCheck> run_wan_transformer_case(const GoldenCase& c) {
  torch::NoGradGuard no_grad;
  const auto model = WanTransformer3DModel::load(c.model_dir / "transformer",
                                                 torch::dtype(torch::kFloat32).device(c.device));
  WanDebug debug;
  WanForwardOptions options;
  options.debug = &debug;
  const auto out = model->forward(c.input("hidden_states"), c.input("timestep"),
                                  c.input("encoder_hidden_states"), {}, options);
  std::vector<TensorCheck> checks{
      ditstream::check_rel("output", out, c.tensors->tensor("output"), kOutputRel)};
  for (const auto& entry : c.tensors->entries())
    if (entry.name.rfind("dbg_", 0) == 0)
      checks.push_back(ditstream::check_intermediate(entry.name, debug, *c.tensors));
  return checks;
}

}  // namespace ditstream
