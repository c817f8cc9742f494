#pragma once
// The golden case files under DITSTREAM_GOLDEN_DIR (default ../shared/golden) as test parameters.

#include "core/verify/golden_runner.h"
#include "test_support.h"

#include <cctype>
#include <string>
#include <vector>

namespace ditstream::testing {

inline std::vector<std::filesystem::path> golden_case_files() {
  const auto root = golden_dir();
  return std::filesystem::is_directory(root) ? discover_golden_cases(root)
                                             : std::vector<std::filesystem::path>{};
}

// "<model>_<case>" with every other character as '_': a valid test name.
inline std::string golden_case_label(const ::testing::TestParamInfo<std::filesystem::path>& info) {
  std::string label =
      info.param.parent_path().parent_path().filename().string() + "_" + info.param.stem().string();
  for (char& ch : label)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return label;
}

}  // namespace ditstream::testing
