#pragma once
// The self-attention K/V cache of causal chunked generation (LongLive v1 semantics, reference
// §5.5 and §6.2), kept per layer in frame slots: `window` slots count the `sink` slots (never
// evicted) and the current chunk. A chunk's forwards (its denoising steps and the t = 0 cache
// pass) write their K/V into the chunk's slots, then attend every written slot, so attention is
// bidirectional within the chunk and causal across chunks. A new chunk that does not fit evicts
// the oldest non-sink slots. Memory is bounded by the window whatever the stream's length.

#include "core/model/attention_control.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace ditstream {

// Absolute: a frame's RoPE position is its frame index (keys cached rotated at it; the model's
// table ends at frame 1024). Relative (LongLive's infinite mode): positions are slot indices, so
// they stay bounded; keys that move left on eviction are rotated back by the frames they moved.
enum class RopePositions { Relative, Absolute };

// keys (B, heads, S, head_dim) rotated by `frames` temporal positions (negative: backwards).
using KeyFrameShift = std::function<torch::Tensor(const torch::Tensor& keys, int64_t frames)>;

struct KvCacheOptions {
  int64_t window_frames = 21;
  int64_t sink_frames = 0;
  int64_t tokens_per_frame = 0;
  RopePositions positions = RopePositions::Relative;
  KeyFrameShift shift_key_frames;  // required for Relative
};

struct CacheForward {
  enum class Kind {
    Chunk,    // a denoising step or the cache pass of the chunk [first_frame, +frames)
    Recache,  // re-encodes the newest `frames` cached frames (ending at the stream's end)
  };
  Kind kind = Kind::Chunk;
  int64_t first_frame = 0;
  int64_t frames = 0;
  bool keep_sink = true;          // Recache: the sink slots keep their K/V (LongLive's global_sink)
  int64_t keep_layers_from = -1;  // Recache: layers from this one on keep their K/V; -1: none
};

class RollingKvCache : public AttentionControl {
 public:
  // Throws naming the field when the sink leaves no room for a frame.
  explicit RollingKvCache(KvCacheOptions options);

  // Prepares the next forward (evicts for a new chunk that does not fit) and returns the RoPE
  // frame position its first frame must get. Throws when the forward does not continue the
  // stream (a chunk must start where the last one ended, or repeat it).
  int64_t begin_forward(const CacheForward& forward);
  // Zeroes every row, bookkeeping kept (LongLive's global_sink = false before a recache).
  void zero_rows();

  torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const AttentionFn& attention) override;

  // Absolute latent frame held by each written slot, in slot order.
  std::vector<int64_t> slot_frames() const;
  // Keys and values of `layer`'s written slots, (B, heads, slots·tokens, head_dim).
  std::pair<torch::Tensor, torch::Tensor> layer_rows(int64_t layer) const;
  int64_t end_frame() const { return global_end_; }  // the stream's next new frame
  const KvCacheOptions& options() const { return options_; }
  // Unique in the process: other ranks keep a cache of their own per id (core/parallel).
  uint64_t id() const { return id_; }

 private:
  struct Layer {
    torch::Tensor k, v;  // (B, heads, window·tokens, head_dim)
  };
  struct Write {
    int64_t from_slot = 0;  // first slot written
    int64_t source = 0;     // frame of the forward's input written there
    int64_t end_slot = 0;   // slots [0, end_slot) are attended
  };
  int64_t evict_for(int64_t frames);
  void shift_rows(int64_t evicted);
  void write(Layer& layer, const torch::Tensor& k, const torch::Tensor& v) const;
  Layer& layer_for(int64_t index, const torch::Tensor& k);

  KvCacheOptions options_;
  std::vector<Layer> layers_;
  std::vector<int64_t> slots_;  // frame per slot, -1 empty
  int64_t global_end_ = 0;      // frames generated so far
  int64_t local_end_ = 0;       // slots written
  Write write_;
  int64_t forward_frames_ = 0;
  int64_t keep_layers_from_ = -1;
  uint64_t id_ = 0;
};

}  // namespace ditstream
