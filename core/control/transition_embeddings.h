#pragma once
// DiTCtrl's per-window text conditions (ditctrl-spec §2.1): prompt windows and NT transition
// windows whose embedding interpolates linearly between adjacent prompts.

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace ditstream {

// The condition of one window: (1 - beta) c[from_prompt] + beta c[to_prompt]. A plain prompt
// window has from_prompt == to_prompt and beta == 0.
struct WindowCondition {
  int64_t from_prompt = 0;
  int64_t to_prompt = 0;
  double beta = 0.0;

  bool is_transition() const { return from_prompt != to_prompt; }
};

// (1 - beta) a + beta b over the whole embedding (all 226 tokens, padding included), computed in
// at least fp32 and returned in a's dtype.
torch::Tensor interpolate_embeddings(const torch::Tensor& a, const torch::Tensor& b, double beta);

// The NT windows between prompt `from` and prompt `to`: beta = (j + 1) / (NT + 1), j = 0..NT-1.
std::vector<WindowCondition> transition_conditions(int64_t from, int64_t to, int64_t transitions);

// The offline schedule for P prompts: first and last prompt once, middle prompts 1 + mid times,
// NT transitions between neighbours; K = P + NT (P - 1) + mid max(P - 2, 0) entries.
std::vector<WindowCondition> condition_sequence(int64_t prompts, int64_t transitions,
                                                int64_t mid = 0);

// The window's embedding from the per-prompt embeddings (uncond is zeros for every window).
torch::Tensor condition_embedding(const WindowCondition& condition,
                                  const std::vector<torch::Tensor>& prompt_embeddings);

}  // namespace ditstream
