#pragma once
// T5 embeddings of a stream's prompts, cached per prompt id and bounded by retain().

#include "core/stream/pipeline_components.h"
#include "core/stream/prompt_timeline.h"
#include "core/stream/window_pipeline.h"
#include "core/stream/window_scheduler.h"

#include <torch/types.h>

#include <map>
#include <memory>
#include <vector>

namespace ditstream {

struct TextConditions {
  torch::Tensor cond;    // (1, text_len, text_dim)
  torch::Tensor uncond;  // the negative prompt's embedding
};

class PromptEmbeddings {
 public:
  explicit PromptEmbeddings(std::shared_ptr<const PipelineComponents> components);

  const TextConditions& get(const PromptEntry& entry);
  // The window's conditions: plan.to's, or (1 - beta) from + beta to for a transition window.
  TextConditions for_plan(const WindowPlan& plan);
  // Drops every cached prompt whose id is not listed.
  void retain(const std::vector<int64_t>& ids);
  size_t size() const { return cache_.size(); }

 private:
  WindowPipeline pipeline_;
  std::map<int64_t, TextConditions> cache_;
};

}  // namespace ditstream
