// Text-encoder cases (a folder whose config.json is a T5 config): <fp32|bf16>_<name>.
#include "core/text/t5_encoder.h"
#include "core/verify/golden_case.h"

#include <torch/torch.h>

namespace ditstream {
namespace {

// The residual stream after block i is "after_block<i>"; the last one is stored before the
// final norm, as "after_block<i>_prenorm".
std::string block_output_name(size_t i, size_t blocks) {
  return "after_block" + std::to_string(i) + (i + 1 == blocks ? "_prenorm" : "");
}

}  // namespace

std::vector<TensorCheck> run_t5_case(const GoldenCase& c) {
  const auto& t = *c.tensors;
  const bool bf16 = c.name.rfind("bf16_", 0) == 0;
  const double limit = bf16 ? 3e-2 : 1e-5;
  const auto model = load_t5_encoder(
      c.model_dir,
      torch::TensorOptions().dtype(bf16 ? torch::kBFloat16 : torch::kFloat).device(c.device));
  const auto trace = model->trace(c.input("input_ids"));
  std::vector<TensorCheck> checks{check_rel("last_hidden_state", trace.last_hidden_state,
                                            t.tensor("last_hidden_state"), limit)};
  const auto optional = [&](const std::string& name, const torch::Tensor& port, bool exact) {
    if (!t.contains(name)) return;
    checks.push_back(exact ? check_exact(name, port, t.tensor(name))
                           : check_rel(name, port, t.tensor(name), limit));
  };
  optional("embeddings", trace.embeddings, true);
  optional("position_bias", trace.position_bias, true);
  optional("last_hidden_state_as_f32", trace.last_hidden_state, false);
  for (size_t i = 0; i < trace.block_outputs.size(); ++i)
    optional(block_output_name(i, trace.block_outputs.size()), trace.block_outputs[i], false);
  const auto& cfg = model->config();
  optional("relative_position_bucket",
           t5_relative_position_buckets(trace.embeddings.size(1), trace.embeddings.size(1),
                                        cfg.relative_attention_num_buckets,
                                        cfg.relative_attention_max_distance),
           true);
  if (t.contains("attn_weights_block0"))
    checks.push_back(check_abs("attn_weights_block0", trace.attention_probabilities[0],
                               t.tensor("attn_weights_block0"), 1e-6));
  return checks;
}

}  // namespace ditstream
