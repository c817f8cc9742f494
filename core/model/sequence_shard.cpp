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

torch::Tensor shard_token_rows(const torch::Tensor& table) {
  return current ? current->local(table.unsqueeze(0)).squeeze(0) : table;
}

}  // namespace ditstream
