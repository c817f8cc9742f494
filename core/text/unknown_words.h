#pragma once
// Words a model's tokenizer has no pieces for (they encode to <unk>): a model trained on a small
// caption grammar, like the shapes-demo, renders them as noise, so front ends warn about them.

#include <string>
#include <vector>

namespace ditstream {

class T5Tokenizer;

// The words of `text` (split at white space, punctuation at either end dropped) whose ids
// include the tokenizer's <unk>, in order, each once.
std::vector<std::string> unknown_words(const T5Tokenizer& tokenizer, const std::string& text);

// "3 of 8 words unknown to model shapes-demo: fox, owl, forest", or "" when every word is known.
std::string unknown_words_warning(const T5Tokenizer& tokenizer, const std::string& text,
                                  const std::string& model_name);

}  // namespace ditstream
