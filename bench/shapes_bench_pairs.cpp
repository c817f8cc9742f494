#include "bench/shapes_bench_pairs.h"

#include <algorithm>
#include <random>
#include <stdexcept>

namespace ditstream::bench {
namespace {

// A value in [0, n) other than the excluded ones (at most n - 1 of them).
int pick_other(std::mt19937_64& rng, int n, std::vector<int> excluded) {
  std::vector<int> allowed;
  for (int v = 0; v < n; ++v)
    if (std::find(excluded.begin(), excluded.end(), v) == excluded.end()) allowed.push_back(v);
  return allowed[std::uniform_int_distribution<size_t>(0, allowed.size() - 1)(rng)];
}

ClipSpec change(const ClipSpec& a, ChangeType type, std::mt19937_64& rng) {
  ClipSpec b = a;
  ShapeSpec& s = b.shapes[0];
  const int colours = static_cast<int>(shape_palette().size());
  switch (type) {
    case ChangeType::Background:
      b.background = pick_other(rng, colours, {a.background, s.colour});
      break;
    case ChangeType::Colour:
      s.colour = pick_other(rng, colours, {a.background, s.colour});
      break;
    case ChangeType::Motion:
      s.direction = static_cast<Direction>(pick_other(rng, 4, {static_cast<int>(s.direction)}));
      break;
    case ChangeType::Object:
      s.kind = static_cast<ShapeKind>(pick_other(rng, 3, {static_cast<int>(s.kind)}));
      break;
  }
  return b;
}

}  // namespace

std::string change_type_name(ChangeType type) {
  static const char* names[kChangeTypes] = {"background", "colour", "motion", "object"};
  return names[static_cast<int>(type)];
}

std::vector<ClipSpec> sample_single_shape_specs(int64_t count, uint64_t seed) {
  auto specs = heldout_specs();
  if (count < 0 || count > static_cast<int64_t>(specs.size()))
    throw std::runtime_error("--captions must be in [0, " + std::to_string(specs.size()) + "]");
  std::mt19937_64 rng(seed);
  std::shuffle(specs.begin(), specs.end(), rng);
  specs.resize(static_cast<size_t>(count));
  return specs;
}

std::vector<PromptPair> sample_prompt_pairs(int64_t count, uint64_t seed) {
  if (count < 0) throw std::runtime_error("--pairs must not be negative");
  const auto specs = all_single_shape_specs();
  std::mt19937_64 rng(seed);
  std::vector<PromptPair> pairs;
  for (int64_t i = 0; i < count; ++i) {
    const auto& a = specs[std::uniform_int_distribution<size_t>(0, specs.size() - 1)(rng)];
    const auto type = static_cast<ChangeType>(i % kChangeTypes);
    pairs.push_back({i, type, a, change(a, type, rng)});
  }
  return pairs;
}

}  // namespace ditstream::bench
