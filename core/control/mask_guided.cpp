#include "core/control/mask_guided.h"

#include "core/control/subject_attention.h"

#include <torch/torch.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>

namespace ditstream {
namespace {

torch::Tensor rows_index(const std::vector<int64_t>& rows, const torch::Device& device) {
  return torch::tensor(rows, torch::TensorOptions(torch::kLong).device(device));
}

// Sequence positions of the video tokens where the flat (video_len) mask is set.
torch::Tensor video_positions(const torch::Tensor& video_mask, int64_t text_len) {
  return video_mask.nonzero().flatten() + text_len;
}

// All text positions, then the selected video positions (keys are kept in sequence order).
torch::Tensor text_and(const torch::Tensor& video_mask, int64_t text_len) {
  const auto opts = torch::TensorOptions(torch::kLong).device(video_mask.device());
  return torch::cat({torch::arange(text_len, opts), video_positions(video_mask, text_len)});
}

// Target queries at `queries` attend to source keys/values at `keys`; written into `out`.
void attend_subset(torch::Tensor& out, const torch::Tensor& q, const torch::Tensor& k,
                   const torch::Tensor& v, const torch::Tensor& queries, const torch::Tensor& keys,
                   const AttentionFn& attention) {
  if (queries.numel() == 0) return;
  out.index_copy_(
      2, queries,
      attention(q.index_select(2, queries), k.index_select(2, keys), v.index_select(2, keys)));
}

}  // namespace

MaskGuidedKvSharingControl::MaskGuidedKvSharingControl(KvSharingGate gate, KvSharingLayout layout,
                                                       MaskGuidedOptions options, MaskRelay* relay)
    : gate_(gate), layout_(std::move(layout)), options_(std::move(options)), relay_(relay) {
  if (options_.source_tokens.empty() || options_.target_tokens.empty())
    throw std::runtime_error("MaskGuidedKvSharingControl: source and target subject tokens needed");
  if (options_.tokens_per_frame <= 0)
    throw std::runtime_error("MaskGuidedKvSharingControl: tokens_per_frame must be positive");
  if (options_.relay.role != MaskRelaySpec::Role::None && !relay_)
    throw std::runtime_error("MaskGuidedKvSharingControl: masks split over ranks need a relay");
}

torch::Tensor MaskGuidedKvSharingControl::attend(const AttentionSite& site, const torch::Tensor& q,
                                                 const torch::Tensor& k, const torch::Tensor& v,
                                                 const AttentionFn& attention) {
  accumulate(site, q, k);
  if (site.kind == AttentionKind::Cross) return attention(q, k, v);
  ++calls_;
  if (!gate_.contains(site.step, site.layer)) return attention(q, k, v);
  check_forked(site);
  layout_.validate(q.size(0), site.roles, !receives());  // received mask rows are not ours
  shared_.push_back({site.step, site.layer});
  return fuse(site, q, k, v, attention);
}

void MaskGuidedKvSharingControl::accumulate(const AttentionSite& site, const torch::Tensor& q,
                                            const torch::Tensor& k) {
  const bool cross = site.kind == AttentionKind::Cross;
  if (receives() || !gate_.has_step(site.step) || site.layer >= gate_.layer_end) return;
  if (!cross && site.text_len == 0) return;  // a video-only self-attention holds no text map
  if (site.step != map_step_ || site.layer <= map_last_layer_) {
    map_sums_.clear();
    map_layers_ = 0;
  }
  map_step_ = site.step;
  map_last_layer_ = site.layer;
  const auto add = [&](const MapKey& key, const std::vector<int64_t>& tokens) {
    const int64_t row = row_before(site, key.first);
    const auto mass =
        cross ? cross_attention_subject_mass(q[row], k[row], tokens, options_.max_score_elements)
              : subject_attention_mass(q[row], k[row], site.text_len, tokens,
                                       options_.max_score_elements);
    const auto whole = site.shards ? site.shards->whole_map(mass) : mass;
    auto& sum = map_sums_[key];
    sum = sum.defined() ? sum + whole : whole;
  };
  std::map<MapKey, const std::vector<int64_t>*> keys;
  for (const auto& [source, target] : mask_rows()) {
    keys[{source, 0}] = &options_.source_tokens;
    keys[{target, 1}] = &options_.target_tokens;
  }
  for (const auto& [key, tokens] : keys) add(key, *tokens);
  ++map_layers_;
}

torch::Tensor MaskGuidedKvSharingControl::map_mask(const MapKey& key, int64_t video_len) const {
  const auto it = map_sums_.find(key);
  // Wan's layer 0: its cross-attention (the maps' source) runs after its self-attention, so the
  // first gated layer may have no map yet: every token is foreground (plain sharing).
  if (it == map_sums_.end())
    return torch::ones({video_len / options_.tokens_per_frame, options_.tokens_per_frame},
                       torch::kBool);
  return binary_frame_masks(it->second / static_cast<double>(map_layers_),
                            options_.tokens_per_frame, options_.threshold);
}

std::set<MaskGuidedKvSharingControl::MaskRows> MaskGuidedKvSharingControl::mask_rows() const {
  std::set<MaskRows> rows(options_.relay.groups.begin(), options_.relay.groups.end());
  for (const auto& p : layout_.pairs) rows.insert({p.mask_source, p.mask_target});
  return rows;
}

std::map<MaskGuidedKvSharingControl::MaskRows, SubjectMasks>
MaskGuidedKvSharingControl::group_masks(int64_t video_len) {
  const auto& relay = options_.relay;
  std::map<MaskRows, SubjectMasks> masks;
  if (receives()) {
    const auto got =
        relay_->receive({static_cast<int64_t>(relay.groups.size()), 2,
                         video_len / options_.tokens_per_frame, options_.tokens_per_frame});
    for (size_t i = 0; i < relay.groups.size(); ++i)
      masks[relay.groups[i]] = {got[i][0], got[i][1]};
    return masks;
  }
  for (const auto& rows : mask_rows())
    masks[rows] = {map_mask({rows.first, 0}, video_len), map_mask({rows.second, 1}, video_len)};
  if (relay.role != MaskRelaySpec::Role::Send) return masks;
  std::vector<torch::Tensor> sent;
  for (const auto& rows : relay.groups) {
    const auto& m = masks.at(rows);
    sent.push_back(torch::stack({m.source, m.target}));
  }
  relay_->send(torch::stack(sent));
  return masks;
}

torch::Tensor MaskGuidedKvSharingControl::fuse(const AttentionSite& site, const torch::Tensor& q,
                                               const torch::Tensor& k, const torch::Tensor& v,
                                               const AttentionFn& attention) {
  auto out = torch::empty({q.size(0), q.size(1), q.size(2), v.size(3)}, v.options());
  std::vector<int64_t> plain_rows;
  const auto targets = layout_.targets();
  for (int64_t row = 0; row < q.size(0); ++row)
    if (std::find(targets.begin(), targets.end(), row) == targets.end()) plain_rows.push_back(row);
  const auto plain = rows_index(plain_rows, q.device());
  out.index_copy_(
      0, plain,
      attention(q.index_select(0, plain), k.index_select(0, plain), v.index_select(0, plain)));
  std::map<MaskRows, std::vector<size_t>> groups;
  for (size_t i = 0; i < layout_.pairs.size(); ++i)
    groups[{layout_.pairs[i].mask_source, layout_.pairs[i].mask_target}].push_back(i);
  masks_.resize(layout_.pairs.size());
  const auto masks = group_masks(q.size(2) - site.text_len);
  for (const auto& [mask_rows, pairs] : groups) {
    std::vector<int64_t> rows;
    for (const size_t i : pairs) rows.push_back(layout_.pairs[i].target);
    const auto it = masks.find(mask_rows);
    if (it == masks.end())
      throw std::runtime_error("MaskGuidedKvSharingControl: no relayed masks for mask rows " +
                               std::to_string(mask_rows.first) + ", " +
                               std::to_string(mask_rows.second));
    out.index_copy_(0, rows_index(rows, q.device()),
                    fuse_pairs(pairs, it->second, site.text_len, q, k, v, attention));
  }
  return out;
}

torch::Tensor MaskGuidedKvSharingControl::fuse_pairs(const std::vector<size_t>& pairs,
                                                     const SubjectMasks& masks, int64_t text_len,
                                                     const torch::Tensor& q, const torch::Tensor& k,
                                                     const torch::Tensor& v,
                                                     const AttentionFn& attention) {
  for (const size_t i : pairs) masks_[i] = masks;
  std::vector<int64_t> targets, sources;
  for (const size_t i : pairs) {
    targets.push_back(layout_.pairs[i].target);
    sources.push_back(layout_.pairs[i].source);
  }
  const auto qt = q.index_select(0, rows_index(targets, q.device()));
  const auto src = rows_index(sources, q.device());
  const auto ks = k.index_select(0, src), vs = v.index_select(0, src);
  auto out = torch::empty({qt.size(0), qt.size(1), qt.size(2), vs.size(3)}, vs.options());
  out.slice(2, 0, text_len).copy_(attention(qt.slice(2, 0, text_len), ks, vs));
  const auto ms = masks.source.flatten().to(q.device());
  const auto mt = masks.target.flatten().to(q.device());
  if (ms.numel() != q.size(2) - text_len)
    throw std::runtime_error("MaskGuidedKvSharingControl: masks cover " +
                             std::to_string(ms.numel()) + " video tokens, the batch has " +
                             std::to_string(q.size(2) - text_len));
  attend_subset(out, qt, ks, vs, video_positions(mt, text_len), text_and(ms, text_len), attention);
  attend_subset(out, qt, ks, vs, video_positions(mt.logical_not(), text_len),
                text_and(ms.logical_not(), text_len), attention);
  return out;
}

void MaskGuidedKvSharingControl::clear_log() {
  calls_ = 0;
  shared_.clear();
  masks_.clear();
}

}  // namespace ditstream
