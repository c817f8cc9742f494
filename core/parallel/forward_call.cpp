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

}  // namespace ditstream
