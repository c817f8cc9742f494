#include "core/stream/window_subjects.h"

#include <algorithm>

namespace ditstream {
namespace {

std::vector<int64_t> entry_tokens(const T5Tokenizer& tokenizer, const PromptEntry& entry,
                                  const std::string& other) {
  if (!entry.subject_tokens.empty()) return checked_token_indices(entry.subject_tokens);
  if (!entry.subject_words.empty())
    return subject_token_indices(tokenizer, entry.text, entry.subject_words);
  return auto_subject_tokens(tokenizer, entry.text, other).source;
}

std::vector<int64_t> window_tokens(const T5Tokenizer& tokenizer, const WindowPlan& window,
                                   const WindowPlan& other) {
  auto tokens = entry_tokens(tokenizer, window.to, other.to.text);
  if (window.is_transition()) {
    const auto from = entry_tokens(tokenizer, window.from, other.to.text);
    tokens.insert(tokens.end(), from.begin(), from.end());
    std::sort(tokens.begin(), tokens.end());
    tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  }
  return tokens;
}

}  // namespace

SubjectTokens window_pair_subjects(const T5Tokenizer& tokenizer, const WindowPlan& source,
                                   const WindowPlan& target) {
  return {window_tokens(tokenizer, source, target), window_tokens(tokenizer, target, source)};
}

}  // namespace ditstream
