#pragma once
// Where a stream's model folder is when none is named: $DITSTREAM_MODEL, else the shapes-demo
// model installed beside this library (share/ditstream/models/shapes-demo), else the build
// tree's.

#include <string>

namespace ditstream {

// `requested` when not empty, else the first of $DITSTREAM_MODEL, the installed shapes-demo and
// the build tree's that is set (the environment) or exists (the others). Throws
// std::runtime_error naming every place tried when there is none.
std::string resolve_model_folder(const std::string& requested);

}  // namespace ditstream
