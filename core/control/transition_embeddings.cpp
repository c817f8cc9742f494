#include "core/control/transition_embeddings.h"

#include <torch/torch.h>

#include <sstream>
#include <stdexcept>
#include <string>

namespace ditstream {

torch::Tensor interpolate_embeddings(const torch::Tensor& a, const torch::Tensor& b, double beta) {
  if (!a.sizes().equals(b.sizes())) {
    std::ostringstream message;
    message << "interpolate_embeddings: shapes " << a.sizes() << " and " << b.sizes() << " differ";
    throw std::runtime_error(message.str());
  }
  const auto dtype = torch::promote_types(a.scalar_type(), torch::kFloat32);
  const auto fa = a.to(dtype);
  const auto fb = b.to(fa.options());
  return ((1.0 - beta) * fa + beta * fb).to(a.scalar_type());
}

std::vector<WindowCondition> transition_conditions(int64_t from, int64_t to, int64_t transitions) {
  if (transitions < 0)
    throw std::runtime_error("transition_conditions: transitions must be >= 0, got " +
                             std::to_string(transitions));
  std::vector<WindowCondition> conditions;
  for (int64_t j = 0; j < transitions; ++j)
    conditions.push_back(
        {from, to, static_cast<double>(j + 1) / static_cast<double>(transitions + 1)});
  return conditions;
}

std::vector<WindowCondition> condition_sequence(int64_t prompts, int64_t transitions, int64_t mid) {
  if (prompts < 1 || mid < 0)
    throw std::runtime_error("condition_sequence: need prompts >= 1 and mid >= 0");
  std::vector<WindowCondition> sequence;
  for (int64_t i = 0; i < prompts; ++i) {
    const bool middle = i > 0 && i < prompts - 1;
    for (int64_t r = 0; r < (middle ? 1 + mid : 1); ++r) sequence.push_back({i, i, 0.0});
    if (i + 1 == prompts) break;
    for (const auto& c : transition_conditions(i, i + 1, transitions)) sequence.push_back(c);
  }
  return sequence;
}

torch::Tensor condition_embedding(const WindowCondition& condition,
                                  const std::vector<torch::Tensor>& prompt_embeddings) {
  const auto count = static_cast<int64_t>(prompt_embeddings.size());
  for (const int64_t p : {condition.from_prompt, condition.to_prompt})
    if (p < 0 || p >= count)
      throw std::runtime_error("condition_embedding: prompt " + std::to_string(p) + " of " +
                               std::to_string(count) + " embeddings");
  const auto& a = prompt_embeddings[static_cast<size_t>(condition.from_prompt)];
  if (!condition.is_transition() && condition.beta == 0.0) return a;
  return interpolate_embeddings(a, prompt_embeddings[static_cast<size_t>(condition.to_prompt)],
                                condition.beta);
}

}  // namespace ditstream
