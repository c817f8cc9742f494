#include "core/model/block_cache.h"

namespace ditstream {

bool BlockCacheRun::skip_rest(int64_t layer, torch::Tensor& hidden,
                              std::vector<torch::Tensor*> forked) {
  if (!cache_ || layer != 0) return false;
  first_ = hidden;
  const auto rest = cache_->reuse(input_, first_, step_);
  if (!rest.defined()) return false;
  hidden = continued(first_) + rest;
  if (fork_.active())
    for (auto* t : forked) *t = fork_.apply(*t, first_.size(0));
  return true;
}

void BlockCacheRun::finish(const torch::Tensor& last) {
  if (cache_ && first_.defined()) cache_->store(input_, first_, last - continued(first_), step_);
}

torch::Tensor BlockCacheRun::continued(const torch::Tensor& first) const {
  return fork_.active() ? fork_.apply(first, first.size(0)) : first;
}

}  // namespace ditstream
