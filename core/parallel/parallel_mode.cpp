#include "core/parallel/parallel_mode.h"

#include <stdexcept>

namespace ditstream {

ParallelMode parse_parallel_mode(const std::string& name) {
  if (name == "none") return ParallelMode::None;
  if (name == "cfg") return ParallelMode::Cfg;
  throw std::invalid_argument("parallel: expected none or cfg, got '" + name + "'");
}

const char* parallel_mode_name(ParallelMode mode) {
  return mode == ParallelMode::Cfg ? "cfg" : "none";
}

}  // namespace ditstream
