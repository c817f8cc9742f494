#pragma once
// The caption sets of ShapesBench: single-shape captions for prompt following and prompt pairs
// that change one attribute for transitions (MPVBench's four change types).

#include "core/shapes/shapes_world.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ditstream::bench {

enum class ChangeType { Background, Colour, Motion, Object };
constexpr int kChangeTypes = 4;
// "background", "colour", "motion", "object".
std::string change_type_name(ChangeType type);

struct PromptPair {
  int64_t id = 0;
  ChangeType type = ChangeType::Background;
  ClipSpec a, b;  // b is a with the one attribute of `type` changed
};

// `count` held-out single-shape specs (heldout_specs(): never trained on) drawn without
// replacement (count <= their number).
std::vector<ClipSpec> sample_single_shape_specs(int64_t count, uint64_t seed);
// `count` pairs; pair i has type i % 4, so the types are spread evenly.
std::vector<PromptPair> sample_prompt_pairs(int64_t count, uint64_t seed);

}  // namespace ditstream::bench
