#include "core/text/unknown_words.h"

#include "core/text/t5_tokenizer.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace ditstream {
namespace {

std::string strip_punctuation(std::string word) {
  const auto is_punct = [](char c) { return std::ispunct(static_cast<unsigned char>(c)) != 0; };
  while (!word.empty() && is_punct(word.back())) word.pop_back();
  const auto first = std::find_if_not(word.begin(), word.end(), is_punct);
  return {first, word.end()};
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;)
    if (const auto stripped = strip_punctuation(w); !stripped.empty()) words.push_back(stripped);
  return words;
}

bool is_known(const T5Tokenizer& tokenizer, const std::string& word) {
  const auto ids = tokenizer.encode(word);
  return std::find(ids.begin(), ids.end(), tokenizer.special_tokens().unk_id) == ids.end();
}

}  // namespace

std::vector<std::string> unknown_words(const T5Tokenizer& tokenizer, const std::string& text) {
  std::vector<std::string> unknown;
  for (const auto& word : words_of(text))
    if (!is_known(tokenizer, word) &&
        std::find(unknown.begin(), unknown.end(), word) == unknown.end())
      unknown.push_back(word);
  return unknown;
}

std::string unknown_words_warning(const T5Tokenizer& tokenizer, const std::string& text,
                                  const std::string& model_name) {
  const auto unknown = unknown_words(tokenizer, text);
  if (unknown.empty()) return "";
  std::string list;
  for (const auto& word : unknown) list += (list.empty() ? "" : ", ") + word;
  return std::to_string(unknown.size()) + " of " + std::to_string(words_of(text).size()) +
         " words unknown to model " + model_name + ": " + list;
}

}  // namespace ditstream
