#pragma once
// How one stream spreads over ranks: none, CFG-parallel (the unconditional rows on rank 1),
// Ulysses (the video tokens split over N ranks), or both (each branch on N / 2 Ulysses ranks).

#include <string>

namespace ditstream {

enum class ParallelMode { None, Cfg, Ulysses, CfgUlysses };

// "none" | "cfg" | "ulysses" | "cfg+ulysses"; throws naming the choices.
ParallelMode parse_parallel_mode(const std::string& name);
const char* parallel_mode_name(ParallelMode mode);

}  // namespace ditstream
