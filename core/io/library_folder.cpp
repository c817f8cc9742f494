#include "core/io/library_folder.h"

#include <dlfcn.h>

namespace ditstream {

std::filesystem::path core_library_folder() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&core_library_folder), &info) || !info.dli_fname) return {};
  return std::filesystem::path(info.dli_fname).parent_path();
}

}  // namespace ditstream
