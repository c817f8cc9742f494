#include "core/model/attention.h"
#include "core/model/attention_control.h"
#include "core/model/forward_cancellation.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>

namespace ditstream {
namespace {

// Bounds one chunk's score matrix so 2B-sized sequences (2·30·17776² scores) fit in memory.
constexpr int64_t kMaxScoreElements = int64_t{1} << 26;

torch::Tensor attention_math(const torch::Tensor& q, const torch::Tensor& k,
                             const torch::Tensor& v) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const auto scores = torch::matmul(q, k.transpose(-2, -1)) * scale;
  return torch::matmul(torch::softmax(scores, -1), v);
}

}  // namespace

torch::Tensor BatchFork::apply(const torch::Tensor& t, int64_t batch) const {
  if (t.size(0) != batch) return t;
  return t.index_select(0,
                        torch::tensor(rows, torch::TensorOptions(torch::kLong).device(t.device())));
}

void fork_at_block(const AttentionContext& ctx, int64_t layer, AttentionSite& site,
                   std::vector<torch::Tensor*> rows) {
  site.layer = layer;
  if (!ctx.fork.active()) return;
  site.pending_fork = layer < ctx.fork.layer ? &ctx.fork : nullptr;
  if (layer != ctx.fork.layer) return;
  const int64_t batch = rows.front()->size(0);
  for (auto* t : rows) *t = ctx.fork.apply(*t, batch);
  site.roles = &ctx.fork.roles;
}

torch::Tensor attention_query_chunked(const torch::Tensor& q, const torch::Tensor& k,
                                      const torch::Tensor& v, int64_t max_score_elements) {
  const int64_t scores_per_query = std::max<int64_t>(1, q.size(0) * q.size(1) * k.size(2));
  const int64_t chunk = std::max<int64_t>(1, max_score_elements / scores_per_query);
  if (chunk >= q.size(2)) return attention_math(q, k, v);
  auto out = torch::empty({q.size(0), q.size(1), q.size(2), v.size(-1)}, v.options());
  for (int64_t start = 0; start < q.size(2); start += chunk) {
    throw_if_forward_cancelled();  // a long sequence's attention is most of a block
    const int64_t end = std::min(start + chunk, q.size(2));
    out.slice(2, start, end).copy_(attention_math(q.slice(2, start, end), k, v));
  }
  return out;
}

torch::Tensor full_attention(const torch::Tensor& q, const torch::Tensor& k,
                             const torch::Tensor& v) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v);
#else
  return attention_query_chunked(q, k, v, kMaxScoreElements);
#endif
}

}  // namespace ditstream
