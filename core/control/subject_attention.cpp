#include "core/control/subject_attention.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ditstream {
namespace {

constexpr double kMinMaxEps = 1e-6;  // as the reference's aggregate_cross_attn_map

void check_tokens(const std::vector<int64_t>& tokens, int64_t text_len) {
  if (tokens.empty()) throw std::runtime_error("subject_attention_mass: no subject tokens");
  for (const int64_t t : tokens)
    if (t < 0 || t >= text_len)
      throw std::runtime_error("subject_attention_mass: subject token " + std::to_string(t) +
                               " is outside the " + std::to_string(text_len) + " text tokens");
}

// Σ_{j ∈ tokens} mean_heads softmax_j(q_i·k_j / sqrt(hd)) for every query row of q_video, the
// softmax over all of k's rows, in query chunks.
torch::Tensor query_subject_mass(const torch::Tensor& q_video, const torch::Tensor& k,
                                 const std::vector<int64_t>& tokens, int64_t max_score_elements) {
  const auto kf = k.to(torch::kFloat);
  const auto subject_keys = kf.index_select(
      1, torch::tensor(tokens, torch::TensorOptions(torch::kLong).device(k.device())));
  const double scale = 1.0 / std::sqrt(static_cast<double>(q_video.size(-1)));
  const int64_t heads = q_video.size(0), queries = q_video.size(1);
  const int64_t chunk =
      std::max<int64_t>(1, max_score_elements / std::max<int64_t>(1, heads * k.size(1)));
  auto out = torch::empty({queries}, q_video.options().dtype(torch::kFloat));
  for (int64_t start = 0; start < queries; start += chunk) {
    const int64_t end = std::min(start + chunk, queries);
    const auto qc = q_video.slice(1, start, end).to(torch::kFloat) * scale;
    const auto lse = torch::logsumexp(torch::matmul(qc, kf.transpose(-2, -1)), -1, true);
    const auto p = torch::exp(torch::matmul(qc, subject_keys.transpose(-2, -1)) - lse);
    out.slice(0, start, end).copy_(p.sum(-1).mean(0));
  }
  return out;
}

}  // namespace

torch::Tensor subject_attention_mass(const torch::Tensor& q, const torch::Tensor& k,
                                     int64_t text_len, const std::vector<int64_t>& tokens,
                                     int64_t max_score_elements) {
  check_tokens(tokens, text_len);
  return query_subject_mass(q.slice(1, text_len), k, tokens, max_score_elements);
}

torch::Tensor cross_attention_subject_mass(const torch::Tensor& q_video,
                                           const torch::Tensor& k_text,
                                           const std::vector<int64_t>& tokens,
                                           int64_t max_score_elements) {
  check_tokens(tokens, k_text.size(1));
  return query_subject_mass(q_video, k_text, tokens, max_score_elements);
}

torch::Tensor binary_frame_masks(const torch::Tensor& video_map, int64_t tokens_per_frame,
                                 double threshold) {
  if (tokens_per_frame <= 0 || video_map.numel() % tokens_per_frame != 0)
    throw std::runtime_error("binary_frame_masks: " + std::to_string(video_map.numel()) +
                             " video tokens are not a whole number of frames of " +
                             std::to_string(tokens_per_frame));
  const auto m = video_map.to(torch::kFloat).reshape({-1, tokens_per_frame});
  const auto lo = std::get<0>(m.min(1, true));
  const auto hi = std::get<0>(m.max(1, true));
  const auto mask = (m - lo) / (hi - lo + kMinMaxEps) >= threshold;
  return mask.logical_or(mask.any(1, true).logical_not());
}

}  // namespace ditstream
