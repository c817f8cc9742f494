#include "core/control/control_spec.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace ditstream {
namespace {

using nlohmann::json;

json gate_json(const KvSharingGate& g) {
  return {g.step_start, g.step_end, g.layer_start, g.layer_end};
}

json layout_json(const KvSharingLayout& layout) {
  json pairs = json::array();
  for (const auto& p : layout.pairs)
    pairs.push_back({p.source, p.target, p.mask_source, p.mask_target});
  return pairs;
}

std::vector<int64_t> numbers(const json& j, const char* field, size_t count) {
  if (!j.contains(field) && count == 0) return {};
  const json& v = j.at(field);
  if (!v.is_array() || (count > 0 && v.size() != count))
    throw std::runtime_error(std::string("control: field '") + field + "' is malformed");
  return v.get<std::vector<int64_t>>();
}

KvSharingLayout parse_layout(const json& pairs) {
  KvSharingLayout layout;
  for (const auto& p : pairs) {
    if (!p.is_array() || p.size() != 4)
      throw std::runtime_error("control: field 'layout' holds a malformed pair");
    layout.pairs.push_back(
        {p[0].get<int64_t>(), p[1].get<int64_t>(), p[2].get<int64_t>(), p[3].get<int64_t>()});
  }
  return layout;
}

MaskRelaySpec parse_relay(const json& j) {
  MaskRelaySpec relay;
  const int role = j.at("role").get<int>();
  if (role < 0 || role > static_cast<int>(MaskRelaySpec::Role::Receive))
    throw std::runtime_error("control: field 'relay' has an unknown role " + std::to_string(role));
  relay.role = static_cast<MaskRelaySpec::Role>(role);
  relay.groups = j.at("groups").get<std::vector<std::pair<int64_t, int64_t>>>();
  return relay;
}

}  // namespace

std::unique_ptr<AttentionControl> make_attention_control(const ControlSpec& spec,
                                                         MaskRelay* relay) {
  switch (spec.kind) {
    case ControlSpec::Kind::KvSharing:
      return std::make_unique<KvSharingControl>(spec.gate, spec.layout);
    case ControlSpec::Kind::MaskGuided:
      return std::make_unique<MaskGuidedKvSharingControl>(spec.gate, spec.layout, spec.mask, relay);
    case ControlSpec::Kind::None:
      break;
  }
  return nullptr;
}

json control_spec_json(const ControlSpec& spec) {
  json j = {{"kind", static_cast<int>(spec.kind)}};
  if (spec.kind == ControlSpec::Kind::None) return j;
  j["gate"] = gate_json(spec.gate);
  j["layout"] = layout_json(spec.layout);
  if (spec.kind != ControlSpec::Kind::MaskGuided) return j;
  j["source_tokens"] = spec.mask.source_tokens;
  j["target_tokens"] = spec.mask.target_tokens;
  j["tokens_per_frame"] = spec.mask.tokens_per_frame;
  j["threshold"] = spec.mask.threshold;
  j["relay"] = {{"role", static_cast<int>(spec.mask.relay.role)},
                {"groups", spec.mask.relay.groups}};
  return j;
}

ControlSpec parse_control_spec(const json& j) {
  ControlSpec spec;
  const int kind = j.at("kind").get<int>();
  if (kind < 0 || kind > static_cast<int>(ControlSpec::Kind::MaskGuided))
    throw std::runtime_error("control: unknown kind " + std::to_string(kind));
  spec.kind = static_cast<ControlSpec::Kind>(kind);
  if (spec.kind == ControlSpec::Kind::None) return spec;
  const auto gate = numbers(j, "gate", 4);
  spec.gate = {gate[0], gate[1], gate[2], gate[3]};
  spec.layout = parse_layout(j.at("layout"));
  if (spec.kind != ControlSpec::Kind::MaskGuided) return spec;
  spec.mask.source_tokens = numbers(j, "source_tokens", 0);
  spec.mask.target_tokens = numbers(j, "target_tokens", 0);
  spec.mask.tokens_per_frame = j.at("tokens_per_frame").get<int64_t>();
  spec.mask.threshold = j.at("threshold").get<double>();
  spec.mask.relay = parse_relay(j.at("relay"));
  return spec;
}

}  // namespace ditstream
