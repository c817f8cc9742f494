#include "core/model/cogvideox/transformer.h"
#include "core/verify/golden_case.h"

#include <torch/torch.h>

namespace ditstream {
namespace {

constexpr double kOutputRel = 1e-4;
constexpr double kTableAbs = 1e-6;

// The debug tensors a case may store, each with the port's way of producing it.
void check_intermediates(const CogVideoXTransformer3DModel& model, const SafetensorsFile& t,
                         const torch::Tensor& x, const torch::Tensor& timestep,
                         std::vector<TensorCheck>& checks) {
  const auto add = [&](const std::string& name, const auto& produce) {
    if (t.contains(name)) checks.push_back(check_abs(name, produce(), t.tensor(name), kTableAbs));
  };
  add("debug_time_proj", [&] { return model.time_sinusoid(timestep); });
  add("debug_temb", [&] { return model.time_embedding(timestep); });
  add("debug_pos_embedding_video",
      [&] { return model.sincos_table(x.size(1), x.size(3), x.size(4)); });
  add("rope_cos", [&] { return model.rotary_tables(x.size(1), x.size(3), x.size(4)).cos; });
  add("rope_sin", [&] { return model.rotary_tables(x.size(1), x.size(3), x.size(4)).sin; });
}

}  // namespace

std::vector<TensorCheck> run_transformer_case(const GoldenCase& c) {
  torch::NoGradGuard no_grad;
  const auto model =
      load_transformer(c.model_dir / "transformer", torch::dtype(torch::kFloat32).device(c.device));
  const auto& t = *c.tensors;
  const auto x = c.input("hidden_states");
  const auto timestep = c.input("timestep");
  const auto out = model->forward(x, c.input("encoder_hidden_states"), timestep);
  std::vector<TensorCheck> checks{check_rel("output", out, t.tensor("output"), kOutputRel)};
  check_intermediates(*model, t, x, timestep, checks);
  return checks;
}

}  // namespace ditstream
