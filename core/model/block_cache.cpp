#include "core/model/block_cache.h"

namespace ditstream {

bool BlockCacheRun::skip_rest(int64_t layer, torch::Tensor& hidden) {
  if (!cache_ || layer != 0) return false;
  first_ = hidden;
  const auto cached = cache_->reuse(input_, first_);
  if (!cached.defined()) return false;
  hidden = cached;
  return true;
}

void BlockCacheRun::finish(const torch::Tensor& last) {
  if (cache_ && first_.defined()) cache_->store(input_, first_, last);
}

}  // namespace ditstream
