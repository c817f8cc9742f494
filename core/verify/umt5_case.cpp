// UMT5 cases of a Wan folder (text_encoder/ beside cases/), fp32:
//   umt5_*_len512: Wan's prompt embeddings (mask, zeroed tail) for prompts and negative prompts;
//   umt5_*_debug:  one masked forward with its intermediates.
// Every stored tensor that is not an input must be checked, so new fields cannot pass unnoticed.
#include "core/text/t5_encoder.h"
#include "core/text/wan_prompt.h"
#include "core/verify/wan_cases.h"

#include <torch/torch.h>

#include <set>
#include <stdexcept>

namespace ditstream {
namespace {

const std::set<std::string> kInputs = {"input_ids", "attention_mask", "negative_input_ids",
                                       "negative_attention_mask"};

void check_prompt_embeds(const GoldenCase& c, const T5EncoderModel& model,
                         const std::string& prefix, std::vector<TensorCheck>& checks) {
  const auto name = prefix + "prompt_embeds";
  if (!c.tensors->contains(name)) return;
  const WanPromptTokens tokens{c.input(prefix + "input_ids"), c.input(prefix + "attention_mask")};
  checks.push_back(
      check_rel(name, ditstream::encode_wan_prompts(model, tokens), c.tensors->tensor(name), 1e-4));
}

// The debug case: one masked forward against its stored intermediates.
void check_trace(const GoldenCase& c, const T5EncoderModel& model,
                 std::vector<TensorCheck>& checks) {
  if (!c.tensors->contains("last_hidden_state")) return;
  const auto trace = model.trace(c.input("input_ids"), c.input("attention_mask"));
  const auto& t = *c.tensors;
  checks.push_back(
      check_rel("last_hidden_state", trace.last_hidden_state, t.tensor("last_hidden_state"), 1e-4));
  if (t.contains("embeddings"))
    checks.push_back(check_exact("embeddings", trace.embeddings, t.tensor("embeddings")));
  for (size_t i = 0; i < trace.block_outputs.size(); ++i) {
    const auto after = "after_block" + std::to_string(i);
    const auto bias = "position_bias_block" + std::to_string(i);
    if (t.contains(after))
      checks.push_back(check_rel(after, trace.block_outputs[i], t.tensor(after), 1e-5));
    if (t.contains(bias))
      checks.push_back(check_exact(bias, trace.position_biases[i], t.tensor(bias)));
  }
}

void check_buckets(const GoldenCase& c, const T5Config& config, std::vector<TensorCheck>& checks) {
  const std::string name = "relative_position_bucket";
  if (!c.tensors->contains(name)) return;
  const auto length = c.tensors->entry(name).shape.at(0);
  checks.push_back(check_exact(
      name,
      t5_relative_position_buckets(length, length, config.relative_attention_num_buckets,
                                   config.relative_attention_max_distance),
      c.tensors->tensor(name)));
}

void require_all_checked(const GoldenCase& c, const std::vector<TensorCheck>& checks) {
  std::set<std::string> checked;
  for (const auto& check : checks) checked.insert(check.name);
  for (const auto& entry : c.tensors->entries())
    if (!kInputs.count(entry.name) && !checked.count(entry.name))
      throw std::runtime_error(c.file.string() + ": tensor '" + entry.name +
                               "' has no check in the umt5 handler");
}

}  // namespace

std::vector<TensorCheck> run_umt5_case(const GoldenCase& c) {
  const auto model = load_t5_encoder(c.model_dir / "text_encoder",
                                     torch::TensorOptions().dtype(torch::kFloat).device(c.device));
  if (!model->config().bias_in_every_block())
    throw std::runtime_error((c.model_dir / "text_encoder/config.json").string() +
                             ": model_type is not \"umt5\"");
  torch::NoGradGuard no_grad;
  std::vector<TensorCheck> checks;
  check_prompt_embeds(c, *model, "", checks);
  check_prompt_embeds(c, *model, "negative_", checks);
  check_trace(c, *model, checks);
  check_buckets(c, model->config(), checks);
  require_all_checked(c, checks);
  return checks;
}

}  // namespace ditstream
