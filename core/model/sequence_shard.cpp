#include "core/model/sequence_shard.h"

namespace ditstream {
namespace {

thread_local SequenceShard* current = nullptr;

}  // namespace

SequenceShardScope::SequenceShardScope(SequenceShard* shard) : outer_(current) { current = shard; }

SequenceShardScope::~SequenceShardScope() { current = outer_; }

torch::Tensor shard_video_tokens(const torch::Tensor& video) {
  return current ? current->local(video) : video;
}

torch::Tensor gather_video_tokens(const torch::Tensor& video) {
  return current ? current->gather(video) : video;
}

RotaryTables shard_rotary_tables(const RotaryTables& t) {
  if (!current) return t;
  return {current->local(t.cos.unsqueeze(0)).squeeze(0),
          current->local(t.sin.unsqueeze(0)).squeeze(0)};
}

}  // namespace ditstream
