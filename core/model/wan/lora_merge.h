#pragma once
// Merging a PEFT LoRA state dict (LongLive's lora.pt, reference/wan-causal-streaming.md §6.5)
// into base weights once at load time: W <- W + scale * B @ A.

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>

namespace ditstream {

// `lora` keys: base_model.model.[model.]<module>.lora_{A,B}[.<adapter>].weight with A (r, in)
// and B (out, r); `base` is keyed <module>.weight (wrapper prefixes already stripped). The sum
// is formed in float32 and stored in the base tensor's dtype. Returns the number of merged
// weights. A key of another form, a module without its base weight, an A without its B or a
// shape mismatch is an error naming the key and `source`.
int64_t merge_peft_lora(std::map<std::string, torch::Tensor>& base,
                        const std::map<std::string, torch::Tensor>& lora, double scale,
                        const std::string& source);

}  // namespace ditstream
