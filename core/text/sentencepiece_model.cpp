#include "core/text/sentencepiece_model.h"

#include "core/io/library_folder.h"

#include <dlfcn.h>

#include <stdexcept>

namespace ditstream {
namespace {

constexpr const char* kModuleName = "libditstream-spm.so";

using LoadFunction = SentencePieceModel* (*)(const char* path, std::string* error);

// The module lies beside the library holding this function; else the loader's search path.
std::string module_path() {
  const auto beside = core_library_folder() / kModuleName;
  return std::filesystem::exists(beside) ? beside.string() : kModuleName;
}

LoadFunction open_module() {
  const std::string path = module_path();
  // Never closed: models from it may live until exit.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!handle)
    throw std::runtime_error("cannot load the SentencePiece module " + path + ": " + dlerror());
  void* load = dlsym(handle, "ditstream_spm_load");
  if (!load) throw std::runtime_error(path + ": no symbol ditstream_spm_load");
  return reinterpret_cast<LoadFunction>(load);
}

}  // namespace

std::unique_ptr<SentencePieceModel> load_sentencepiece(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path))
    throw std::runtime_error(path.string() + ": SentencePiece model not found");
  static const LoadFunction load_function = open_module();
  std::string error;
  std::unique_ptr<SentencePieceModel> model(load_function(path.c_str(), &error));
  if (!model)
    throw std::runtime_error(path.string() + ": not a valid SentencePiece model (" + error + ")");
  return model;
}

}  // namespace ditstream
