#include "core/session/model_location.h"

#include "core/io/library_folder.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

// The installed model relative to the folder of the installed core library (configure time,
// so that a DESTDIR or relocated install still finds it).
fs::path installed_model() {
  const fs::path folder = core_library_folder();
  return folder.empty() ? folder : folder / DITSTREAM_INSTALLED_MODEL;
}

}  // namespace

std::string resolve_model_folder(const std::string& requested) {
  if (!requested.empty()) return requested;
  if (const char* env = std::getenv("DITSTREAM_MODEL"); env && *env) return env;
  const fs::path installed = installed_model();
  if (!installed.empty() && fs::is_directory(installed))
    return fs::weakly_canonical(installed).string();
  if (fs::is_directory(DITSTREAM_DEMO_MODEL)) return DITSTREAM_DEMO_MODEL;
  throw std::runtime_error(
      "no model folder given and no default found: DITSTREAM_MODEL is unset, and neither the "
      "installed " +
      installed.lexically_normal().string() +
      " nor the build tree's " DITSTREAM_DEMO_MODEL
      " exists; set the model (property `model`, --model) or DITSTREAM_MODEL");
}

}  // namespace ditstream
