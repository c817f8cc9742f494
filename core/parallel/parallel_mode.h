#pragma once
// How one stream spreads over ranks: none, or CFG-parallel (the unconditional rows on rank 1).

#include <string>

namespace ditstream {

enum class ParallelMode { None, Cfg };

// "none" | "cfg"; throws naming the choices.
ParallelMode parse_parallel_mode(const std::string& name);
const char* parallel_mode_name(ParallelMode mode);

}  // namespace ditstream
