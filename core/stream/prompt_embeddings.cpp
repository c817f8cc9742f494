#include "core/stream/prompt_embeddings.h"

#include "core/control/transition_embeddings.h"

#include <algorithm>

namespace ditstream {

PromptEmbeddings::PromptEmbeddings(std::shared_ptr<const PipelineComponents> components)
    : pipeline_(std::move(components)) {}

const TextConditions& PromptEmbeddings::get(const PromptEntry& entry) {
  auto it = cache_.find(entry.id);
  if (it != cache_.end()) return it->second;
  TextConditions c{pipeline_.encode_prompt(entry.text),
                   pipeline_.encode_prompt(entry.negative_prompt)};
  return cache_.emplace(entry.id, std::move(c)).first->second;
}

TextConditions PromptEmbeddings::for_plan(const WindowPlan& plan) {
  const TextConditions to = get(plan.to);
  if (!plan.is_transition()) return to;
  const TextConditions from = get(plan.from);
  return {interpolate_embeddings(from.cond, to.cond, plan.beta),
          interpolate_embeddings(from.uncond, to.uncond, plan.beta)};
}

void PromptEmbeddings::retain(const std::vector<int64_t>& ids) {
  for (auto it = cache_.begin(); it != cache_.end();) {
    const bool keep = std::find(ids.begin(), ids.end(), it->first) != ids.end();
    it = keep ? std::next(it) : cache_.erase(it);
  }
}

}  // namespace ditstream
