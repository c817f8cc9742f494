#include "core/session/prompt_warning.h"

#include "core/stream/pipeline_components.h"
#include "core/text/prompt_encoder.h"
#include "core/text/unknown_words.h"

namespace ditstream {

std::string prompt_warning(const PipelineComponents& model, const std::string& text) {
  if (!model.text) return "";
  const auto root = model.folder.root().lexically_normal();
  const auto name = root.has_filename() ? root.filename() : root.parent_path().filename();
  return unknown_words_warning(model.text->tokenizer(), text, name.string());
}

}  // namespace ditstream
