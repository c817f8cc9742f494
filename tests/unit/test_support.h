#pragma once
// Locations of the shared fixtures; tests that need them skip with a clear message when absent.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace ditstream::testing {

inline std::filesystem::path shared_dir() { return DITSTREAM_SHARED_DIR; }

inline std::filesystem::path golden_dir() {
  const char* env = std::getenv("DITSTREAM_GOLDEN_DIR");
  return env ? std::filesystem::path(env) : shared_dir() / "golden";
}

inline std::filesystem::path tiny_model_dir() { return DITSTREAM_TINY_MODEL; }
inline std::filesystem::path tiny_wan_model_dir() { return DITSTREAM_TINY_WAN_MODEL; }

}  // namespace ditstream::testing

// Skips the current test when a fixture path is missing.
#define DITSTREAM_REQUIRE_PATH(path)                                                    \
  do {                                                                                  \
    if (!std::filesystem::exists(path))                                                 \
      GTEST_SKIP() << "fixture not found: " << (path) << " (../shared is absent here)"; \
  } while (0)
