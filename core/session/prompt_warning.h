#pragma once
// The warning every front end gives for a prompt with words the model's tokenizer lacks.

#include <string>

namespace ditstream {

struct PipelineComponents;

// "N of M words unknown to model FOLDER-NAME: ...", or "" (every word known, or no tokenizer).
std::string prompt_warning(const PipelineComponents& model, const std::string& text);

}  // namespace ditstream
