#pragma once
// The folder of the loaded libditstream-core, from which the installed layout's other files (the
// SentencePiece module, the model, the worker program) are found.

#include <filesystem>

namespace ditstream {

// Empty when the loader cannot tell.
std::filesystem::path core_library_folder();

}  // namespace ditstream
