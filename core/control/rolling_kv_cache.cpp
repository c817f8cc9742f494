#include "core/control/rolling_kv_cache.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>

namespace ditstream {
namespace {

std::string frame_range(int64_t first, int64_t count) {
  return "[" + std::to_string(first) + ", " + std::to_string(first + count) + ")";
}

void check_options(const KvCacheOptions& o) {
  if (o.window_frames < 1) throw std::runtime_error("window_frames must be at least 1");
  if (o.sink_frames < 0 || o.sink_frames >= o.window_frames)
    throw std::runtime_error("sink_frames (" + std::to_string(o.sink_frames) +
                             ") must be below window_frames (" + std::to_string(o.window_frames) +
                             ")");
  if (o.tokens_per_frame < 1) throw std::runtime_error("the cache needs tokens_per_frame >= 1");
  if (o.positions == RopePositions::Relative && !o.shift_key_frames)
    throw std::logic_error("relative RoPE positions need the family's key frame shift");
}

}  // namespace

RollingKvCache::RollingKvCache(KvCacheOptions options)
    : options_(std::move(options)), slots_(options_.window_frames, -1) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id++;
  check_options(options_);
}

int64_t RollingKvCache::begin_forward(const CacheForward& f) {
  const int64_t n = f.frames;
  if (n < 1) throw std::runtime_error("a cached forward needs at least one frame");
  if (f.kind == CacheForward::Kind::Recache) {
    if (n > local_end_ || f.first_frame + n != global_end_)
      throw std::runtime_error("recache of frames " + frame_range(f.first_frame, n) +
                               ": not the newest cached frames (the stream is at frame " +
                               std::to_string(global_end_) + ")");
    const int64_t from = local_end_ - n;
    const bool protect = f.keep_sink && f.first_frame > 0;
    write_ = {protect ? std::max(from, options_.sink_frames) : from, from, local_end_};
  } else {
    if (n > options_.window_frames - options_.sink_frames)
      throw std::runtime_error("a chunk of " + std::to_string(n) +
                               " frames does not fit a window of " +
                               std::to_string(options_.window_frames) + " frames with " +
                               std::to_string(options_.sink_frames) + " sink frames");
    const bool fresh = f.first_frame == global_end_;
    if (!fresh && f.first_frame + n != global_end_)
      throw std::runtime_error("chunk " + frame_range(f.first_frame, n) +
                               " neither continues nor repeats the stream (at frame " +
                               std::to_string(global_end_) + ")");
    if (fresh) {
      local_end_ = evict_for(n) + n;
      global_end_ += n;
    }
    write_ = {local_end_ - n, local_end_ - n, local_end_};
  }
  forward_frames_ = n;
  keep_layers_from_ = f.kind == CacheForward::Kind::Recache ? f.keep_layers_from : -1;
  for (int64_t s = write_.from_slot; s < write_.end_slot; ++s)
    slots_[s] = f.first_frame + (s - write_.source);
  return options_.positions == RopePositions::Absolute ? f.first_frame : write_.source;
}

int64_t RollingKvCache::evict_for(int64_t frames) {
  const int64_t excess = local_end_ + frames - options_.window_frames;
  if (excess <= 0) return local_end_;
  shift_rows(excess);
  local_end_ -= excess;
  return local_end_;
}

// Slots [sink + evicted, local_end) move to [sink, local_end - evicted).
void RollingKvCache::shift_rows(int64_t evicted) {
  const int64_t tpf = options_.tokens_per_frame, sink = options_.sink_frames;
  const int64_t kept = local_end_ - sink - evicted;
  for (auto& layer : layers_) {
    auto moved_k = layer.k.slice(2, (sink + evicted) * tpf, local_end_ * tpf).clone();
    if (options_.positions == RopePositions::Relative)
      moved_k = options_.shift_key_frames(moved_k, -evicted);
    layer.k.slice(2, sink * tpf, (sink + kept) * tpf).copy_(moved_k);
    layer.v.slice(2, sink * tpf, (sink + kept) * tpf)
        .copy_(layer.v.slice(2, (sink + evicted) * tpf, local_end_ * tpf).clone());
  }
  std::copy(slots_.begin() + sink + evicted, slots_.begin() + local_end_, slots_.begin() + sink);
  std::fill(slots_.begin() + sink + kept, slots_.end(), -1);
}

void RollingKvCache::zero_rows() {
  for (auto& layer : layers_) {
    layer.k.zero_();
    layer.v.zero_();
  }
}

torch::Tensor RollingKvCache::attend(const AttentionSite& site, const torch::Tensor& q,
                                     const torch::Tensor& k, const torch::Tensor& v,
                                     const AttentionFn& attention) {
  if (site.kind == AttentionKind::Cross) return attention(q, k, v);
  auto& layer = layer_for(site.layer, k);
  if (keep_layers_from_ < 0 || site.layer < keep_layers_from_) write(layer, k, v);
  const int64_t rows = write_.end_slot * options_.tokens_per_frame;
  return attention(q, layer.k.slice(2, 0, rows), layer.v.slice(2, 0, rows));
}

void RollingKvCache::write(Layer& layer, const torch::Tensor& k, const torch::Tensor& v) const {
  const int64_t tpf = options_.tokens_per_frame;
  if (k.size(2) != forward_frames_ * tpf)
    throw std::runtime_error("cached attention got " + std::to_string(k.size(2)) +
                             " tokens for a forward of " + std::to_string(forward_frames_) +
                             " frames of " + std::to_string(tpf) + " tokens");
  const int64_t skip = (write_.from_slot - write_.source) * tpf;
  const int64_t count = (write_.end_slot - write_.from_slot) * tpf;
  const int64_t at = write_.from_slot * tpf;
  layer.k.slice(2, at, at + count).copy_(k.slice(2, skip, skip + count));
  layer.v.slice(2, at, at + count).copy_(v.slice(2, skip, skip + count));
}

RollingKvCache::Layer& RollingKvCache::layer_for(int64_t index, const torch::Tensor& k) {
  if (static_cast<int64_t>(layers_.size()) <= index) layers_.resize(index + 1);
  auto& layer = layers_[index];
  const std::vector<int64_t> shape = {
      k.size(0), k.size(1), options_.window_frames * options_.tokens_per_frame, k.size(3)};
  if (!layer.k.defined()) {
    layer.k = torch::zeros(shape, k.options());
    layer.v = torch::zeros(shape, k.options());
  } else if (layer.k.sizes() != c10::IntArrayRef(shape) || layer.k.dtype() != k.dtype()) {
    throw std::runtime_error("cached attention: layer " + std::to_string(index) +
                             " changed its batch, heads or dtype mid-stream");
  }
  return layer;
}

std::vector<int64_t> RollingKvCache::slot_frames() const {
  return {slots_.begin(), slots_.begin() + local_end_};
}

std::pair<torch::Tensor, torch::Tensor> RollingKvCache::layer_rows(int64_t layer) const {
  const int64_t rows = local_end_ * options_.tokens_per_frame;
  const auto& l = layers_.at(layer);
  return {l.k.slice(2, 0, rows), l.v.slice(2, 0, rows)};
}

}  // namespace ditstream
