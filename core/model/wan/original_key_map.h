#pragma once
// Original Wan2.1 parameter names (the layout of Wan's own checkpoints and of the Self-Forcing,
// CausVid and LongLive generators) -> diffusers WanTransformer3DModel names
// (reference/wan-causal-streaming.md §1.3; note the norm2/norm3 swap).

#include <torch/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ditstream {

// Removes every "_fsdp_wrapped_module." and then a leading "model.diffusion_model." or "model.".
std::string strip_wrapper_prefixes(const std::string& key);

// The same for a whole state dict; two keys that strip to one name are an error naming both
// and `source`.
std::map<std::string, torch::Tensor> strip_state_wrapper_prefixes(
    const std::map<std::string, torch::Tensor>& state, const std::string& source);

// The diffusers name of an original (already stripped) name, or nullopt.
std::optional<std::string> diffusers_name_of_original(const std::string& key);

// Whether any stripped name is an original name that diffusers spells differently (else the
// names are taken as diffusers names).
bool has_original_wan_names(const std::vector<std::string>& names);

// Renames a stripped original-layout state dict; a key that maps to nothing is an error naming
// the key and `source`.
std::map<std::string, torch::Tensor> rename_original_wan_state(
    std::map<std::string, torch::Tensor> state, const std::string& source);

}  // namespace ditstream
