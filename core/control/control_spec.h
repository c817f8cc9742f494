#pragma once
// A forward's attention control as plain data, so that any rank can build the same control for
// the rows it runs: none, DiTCtrl KV-sharing, or mask-guided KV-sharing.

#include "core/control/kv_sharing.h"
#include "core/control/mask_guided.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>

namespace ditstream {

struct ControlSpec {
  enum class Kind { None, KvSharing, MaskGuided };
  Kind kind = Kind::None;
  KvSharingGate gate;
  KvSharingLayout layout;
  MaskGuidedOptions mask;  // MaskGuided only
};

// Null for Kind::None. `relay`: the channel of a mask-guided spec that relays masks.
std::unique_ptr<AttentionControl> make_attention_control(const ControlSpec& spec,
                                                         MaskRelay* relay = nullptr);

nlohmann::json control_spec_json(const ControlSpec& spec);
// Throws on a malformed description, naming the field.
ControlSpec parse_control_spec(const nlohmann::json& j);

}  // namespace ditstream
