#include "core/parallel/parallel_mode.h"

#include <stdexcept>

namespace ditstream {

ParallelMode parse_parallel_mode(const std::string& name) {
  if (name == "none") return ParallelMode::None;
  if (name == "cfg") return ParallelMode::Cfg;
  if (name == "ulysses") return ParallelMode::Ulysses;
  if (name == "cfg+ulysses") return ParallelMode::CfgUlysses;
  throw std::invalid_argument("parallel: expected none, cfg, ulysses or cfg+ulysses, got '" + name +
                              "'");
}

const char* parallel_mode_name(ParallelMode mode) {
  switch (mode) {
    case ParallelMode::Cfg:
      return "cfg";
    case ParallelMode::Ulysses:
      return "ulysses";
    case ParallelMode::CfgUlysses:
      return "cfg+ulysses";
    case ParallelMode::None:
      break;
  }
  return "none";
}

}  // namespace ditstream
