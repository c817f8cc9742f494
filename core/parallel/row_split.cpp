#include "core/parallel/row_split.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace ditstream {
namespace {

std::vector<int64_t> rows_with(const std::vector<BatchRole>& roles, BatchRole role) {
  std::vector<int64_t> rows;
  for (size_t i = 0; i < roles.size(); ++i)
    if (roles[i] == role) rows.push_back(static_cast<int64_t>(i));
  return rows;
}

std::map<int64_t, int64_t> renumbering(const std::vector<int64_t>& rows) {
  std::map<int64_t, int64_t> index;
  for (size_t i = 0; i < rows.size(); ++i) index[rows[i]] = static_cast<int64_t>(i);
  return index;
}

int64_t renumber(const std::map<int64_t, int64_t>& index, int64_t row) {
  const auto it = index.find(row);
  if (it == index.end())
    throw std::runtime_error("parallel=cfg: KV-sharing row " + std::to_string(row) +
                             " reads a row of the other branch; the split needs pairs within "
                             "a branch");
  return it->second;
}

// Pairs of the rows in `index`; mask rows (always conditional) numbered by `cond`.
KvSharingLayout split_layout(const ControlSpec& spec, const std::map<int64_t, int64_t>& index,
                             const std::map<int64_t, int64_t>& cond) {
  KvSharingLayout layout;
  const bool masks = spec.kind == ControlSpec::Kind::MaskGuided;
  for (const auto& p : spec.layout.pairs) {
    if (!index.count(p.target)) continue;
    const int64_t source = renumber(index, p.source), target = renumber(index, p.target);
    layout.pairs.push_back({source, target, masks ? renumber(cond, p.mask_source) : source,
                            masks ? renumber(cond, p.mask_target) : target});
  }
  return layout;
}

// Mask-guided: the unconditional pairs' mask rows (ditctrl-spec §5.3), which the conditional
// part sends and the unconditional part receives.
MaskRelaySpec mask_relay(const ForwardCall& call, BatchRole role) {
  const auto uncond = renumbering(output_rows(call, BatchRole::Uncond));
  const auto cond = renumbering(output_rows(call, BatchRole::Cond));
  MaskRelaySpec relay;
  for (const auto& p : call.control.layout.pairs) {
    if (!uncond.count(p.target)) continue;
    const std::pair rows{renumber(cond, p.mask_source), renumber(cond, p.mask_target)};
    if (std::find(relay.groups.begin(), relay.groups.end(), rows) == relay.groups.end())
      relay.groups.push_back(rows);
  }
  if (!relay.groups.empty())
    relay.role = role == BatchRole::Cond ? MaskRelaySpec::Role::Send : MaskRelaySpec::Role::Receive;
  return relay;
}

}  // namespace

std::vector<int64_t> output_rows(const ForwardCall& call, BatchRole role) {
  return rows_with(call.fork.active() ? call.fork.roles : call.roles, role);
}

ForwardCall rows_of_role(const ForwardCall& call, BatchRole role) {
  const auto before = rows_with(call.roles, role);
  const auto index = torch::tensor(before, torch::TensorOptions(torch::kLong));
  ForwardCall part = call;
  part.latents = call.latents.index_select(0, index.to(call.latents.device()));
  part.text = call.text.index_select(0, index.to(call.text.device()));
  part.roles.assign(before.size(), role);
  if (call.fork.active()) {
    const auto rows_before = renumbering(before);
    part.fork.rows.clear();
    for (const int64_t row : output_rows(call, role))
      part.fork.rows.push_back(renumber(rows_before, call.fork.rows.at(static_cast<size_t>(row))));
    part.fork.roles.assign(part.fork.rows.size(), role);
  }
  part.control.layout = split_layout(call.control, renumbering(output_rows(call, role)),
                                     renumbering(output_rows(call, BatchRole::Cond)));
  if (call.control.kind == ControlSpec::Kind::MaskGuided)
    part.control.mask.relay = mask_relay(call, role);
  if (part.control.layout.pairs.empty() && !relays_masks(part))
    part.control.kind = ControlSpec::Kind::None;
  return part;
}

bool relays_masks(const ForwardCall& part) {
  return part.control.kind == ControlSpec::Kind::MaskGuided &&
         part.control.mask.relay.role != MaskRelaySpec::Role::None;
}

torch::Tensor merge_branches(const ForwardCall& call, const torch::Tensor& cond,
                             const torch::Tensor& uncond) {
  const auto rows = [&](BatchRole role) {
    return torch::tensor(output_rows(call, role), torch::TensorOptions(torch::kLong))
        .to(cond.device());
  };
  auto sizes = cond.sizes().vec();
  sizes[0] = cond.size(0) + uncond.size(0);
  return torch::empty(sizes, cond.options())
      .index_copy_(0, rows(BatchRole::Cond), cond)
      .index_copy_(0, rows(BatchRole::Uncond), uncond.to(cond.device()));
}

}  // namespace ditstream
