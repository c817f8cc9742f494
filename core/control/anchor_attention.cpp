#include "core/control/anchor_attention.h"

#include <torch/torch.h>

#include <cmath>

namespace ditstream {
namespace {

constexpr int64_t kBiasColumns = 8;  // fused kernels want head dims in multiples of 8

// (B, H, n, kBiasColumns) zeros with `value` in column 0.
torch::Tensor bias_columns(const torch::Tensor& like, int64_t n, double value) {
  auto t = torch::zeros({like.size(0), like.size(1), n, kBiasColumns}, like.options());
  if (value != 0.0) t.select(-1, 0).fill_(value);
  return t;
}

// The rows' video tokens side by side: (B, H, S, d) -> (1, H, B * S, d).
torch::Tensor side_by_side(const torch::Tensor& t) {
  return t.permute({1, 0, 2, 3}).reshape({1, t.size(1), -1, t.size(3)});
}

}  // namespace

torch::Tensor AnchorRecorder::attend(const AttentionSite& site, const torch::Tensor& q,
                                     const torch::Tensor& k, const torch::Tensor& v,
                                     const AttentionFn& attention) {
  if (site.kind == AttentionKind::Self && gate_.contains(site.step, site.layer)) {
    const int64_t video = k.size(2) - site.text_len;
    kv_.layers[site.layer] = {side_by_side(k.narrow(2, site.text_len, video)),
                              side_by_side(v.narrow(2, site.text_len, video))};
  }
  return attention(q, k, v);
}

torch::Tensor AnchorAttention::attend(const AttentionSite& site, const torch::Tensor& q,
                                      const torch::Tensor& k, const torch::Tensor& v,
                                      const AttentionFn& attention) {
  const auto layer = anchor_.kv.layers.find(site.layer);
  if (site.kind != AttentionKind::Self || layer == anchor_.kv.layers.end())
    return next_ ? next_->attend(site, q, k, v, attention) : attention(q, k, v);
  ++anchored_;
  const AttentionFn anchored = [&](const torch::Tensor& qq, const torch::Tensor& kk,
                                   const torch::Tensor& vv) {
    return attend_with_anchor(qq, kk, vv, layer->second, anchor_.log_weight, attention);
  };
  return next_ ? next_->attend(site, q, k, v, anchored) : anchored(q, k, v);
}

torch::Tensor attend_with_anchor(const torch::Tensor& q, const torch::Tensor& k,
                                 const torch::Tensor& v, const AnchorKv::Layer& anchor,
                                 double log_weight, const AttentionFn& attention) {
  const int64_t batch = q.size(0), d = q.size(3), n = anchor.k.size(2);
  const double scale = std::sqrt(static_cast<double>(d + kBiasColumns) / static_cast<double>(d));
  const auto ka = anchor.k.to(k.scalar_type()).expand({batch, -1, -1, -1});
  const auto va = anchor.v.to(v.scalar_type()).expand({batch, -1, -1, -1});
  const auto q2 = torch::cat({q * scale, bias_columns(q, q.size(2), scale)}, -1);
  const auto k2 = torch::cat(
      {torch::cat({k, ka}, 2), torch::cat({bias_columns(k, k.size(2), 0.0),
                                           bias_columns(k, n, log_weight * std::sqrt(double(d)))},
                                          2)},
      -1);
  const auto v2 = torch::cat({torch::cat({v, va}, 2), bias_columns(v, k.size(2) + n, 0.0)}, -1);
  return attention(q2, k2, v2).narrow(-1, 0, d);
}

}  // namespace ditstream
