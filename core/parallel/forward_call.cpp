#include "core/parallel/forward_call.h"

#include "core/model/video_transformer.h"

#include <torch/torch.h>

namespace ditstream {

torch::Tensor run_forward_here(const VideoTransformer& transformer, const ForwardCall& call,
                               AttentionControl* control, BlockCache* cache) {
  torch::NoGradGuard no_grad;
  const auto own = control ? nullptr : make_attention_control(call.control);
  AttentionControl* hook = control ? control : own.get();
  std::optional<AnchorAttention> anchored;
  if (call.anchor) hook = &anchored.emplace(*call.anchor, hook);
  AttentionContext ctx;
  ctx.control = hook;
  ctx.step = call.step;
  ctx.roles = call.roles;
  ctx.fork = call.fork;
  ctx.block_cache = cache;
  return transformer.predict(call.latents, call.text, call.t, ctx).to(torch::kFloat);
}

torch::Tensor run_chunk_here(const VideoTransformer& transformer, const ChunkCall& call,
                             RollingKvCache& cache, AttentionControl* control) {
  torch::NoGradGuard no_grad;
  if (call.zero_rows) cache.zero_rows();
  const int64_t position = cache.begin_forward(call.where);
  AttentionContext ctx;
  ctx.control = control ? control : &cache;
  ctx.step = call.step;
  return transformer.predict_chunk(call.latents, call.text, call.t, position, ctx);
}

}  // namespace ditstream
