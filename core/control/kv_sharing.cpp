#include "core/control/kv_sharing.h"

#include <torch/torch.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>

namespace ditstream {
namespace {

// Reference fractions: steps [2,25) of 50, layers [25,30) of 30.
constexpr int64_t kRefSteps = 50, kRefStepStart = 2, kRefStepEnd = 25;
constexpr int64_t kRefLayers = 30, kRefLayerStart = 25;

void check_row(int64_t row, int64_t batch, const char* what) {
  if (row < 0 || row >= batch)
    throw std::runtime_error("KvSharingLayout: " + std::string(what) + " row " +
                             std::to_string(row) + " is outside the batch of " +
                             std::to_string(batch));
}

void check_roles(const KvSharePair& p, const std::vector<BatchRole>& roles, bool masks) {
  const auto at = [&](int64_t row) { return roles[static_cast<size_t>(row)]; };
  if (at(p.source) != at(p.target))
    throw std::runtime_error("KvSharingLayout: pair " + std::to_string(p.source) + "->" +
                             std::to_string(p.target) + " mixes Uncond and Cond rows");
  if (masks && (at(p.mask_source) != BatchRole::Cond || at(p.mask_target) != BatchRole::Cond))
    throw std::runtime_error("KvSharingLayout: mask rows of pair " + std::to_string(p.source) +
                             "->" + std::to_string(p.target) + " must be Cond rows");
}

}  // namespace

int64_t KvSharingGate::size() const {
  return empty() ? 0 : (step_end - step_start) * (layer_end - layer_start);
}

KvSharingGate KvSharingGate::defaults_for(int64_t num_layers, int64_t num_steps) {
  if (num_layers < 1 || num_steps < 0)
    throw std::runtime_error("KvSharingGate::defaults_for: needs at least one layer, got " +
                             std::to_string(num_layers));
  KvSharingGate gate;
  gate.layer_start = std::min(kRefLayerStart * num_layers / kRefLayers, num_layers - 1);
  gate.layer_end = num_layers;
  gate.step_start = (kRefStepStart * num_steps + kRefSteps - 1) / kRefSteps;
  gate.step_end = (2 * kRefStepEnd * num_steps + kRefSteps) / (2 * kRefSteps);
  gate.step_end = std::max(gate.step_end, std::min(gate.step_start + 1, num_steps));
  return gate;
}

KvSharingLayout KvSharingLayout::cfg_pair() {
  return {{KvSharePair{0, 1, 2, 3}, KvSharePair{2, 3, 2, 3}}};
}

KvSharingLayout KvSharingLayout::plain_pair() { return {{KvSharePair{0, 1, 0, 1}}}; }

void KvSharingLayout::validate(int64_t batch, const std::vector<BatchRole>* roles,
                               bool masks) const {
  if (roles && static_cast<int64_t>(roles->size()) != batch)
    throw std::runtime_error("KvSharingLayout: " + std::to_string(roles->size()) +
                             " roles for a batch of " + std::to_string(batch));
  std::set<int64_t> targets;
  for (const auto& p : pairs) {
    check_row(p.source, batch, "source");
    check_row(p.target, batch, "target");
    check_row(p.mask_source, batch, "mask source");
    check_row(p.mask_target, batch, "mask target");
    if (!targets.insert(p.target).second)
      throw std::runtime_error("KvSharingLayout: row " + std::to_string(p.target) +
                               " is the target of two pairs");
    if (roles) check_roles(p, *roles, masks);
  }
  for (const auto& p : pairs)
    if (targets.count(p.source))
      throw std::runtime_error("KvSharingLayout: row " + std::to_string(p.source) +
                               " is both a source and a target");
}

std::vector<int64_t> KvSharingLayout::targets() const {
  std::vector<int64_t> rows;
  for (const auto& p : pairs) rows.push_back(p.target);
  return rows;
}

std::vector<int64_t> KvSharingLayout::sources() const {
  std::vector<int64_t> rows;
  for (const auto& p : pairs) rows.push_back(p.source);
  return rows;
}

torch::Tensor share_rows(const torch::Tensor& kv, const KvSharingLayout& layout) {
  const auto index = [&](const std::vector<int64_t>& rows) {
    return torch::tensor(rows, torch::TensorOptions(torch::kLong).device(kv.device()));
  };
  return kv.index_copy(0, index(layout.targets()), kv.index_select(0, index(layout.sources())));
}

KvSharingControl::KvSharingControl(KvSharingGate gate, KvSharingLayout layout)
    : gate_(gate), layout_(std::move(layout)) {}

void check_forked(const AttentionSite& site) {
  if (site.pending_fork)
    throw std::logic_error("KV-sharing gate at layer " + std::to_string(site.layer) +
                           " before the batch fork at layer " +
                           std::to_string(site.pending_fork->layer));
}

torch::Tensor KvSharingControl::attend(const AttentionSite& site, const torch::Tensor& q,
                                       const torch::Tensor& k, const torch::Tensor& v,
                                       const AttentionFn& attention) {
  if (site.kind == AttentionKind::Cross) return attention(q, k, v);  // text K/V stay the row's
  ++calls_;
  if (!gate_.contains(site.step, site.layer)) return attention(q, k, v);
  check_forked(site);
  layout_.validate(q.size(0), site.roles, false);
  shared_.push_back({site.step, site.layer});
  return attention(q, share_rows(k, layout_), share_rows(v, layout_));
}

void KvSharingControl::clear_log() {
  calls_ = 0;
  shared_.clear();
}

}  // namespace ditstream
