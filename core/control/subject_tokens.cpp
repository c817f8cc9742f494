#include "core/control/subject_tokens.h"

#include "core/text/t5_tokenizer.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

namespace ditstream {
namespace {

const std::set<std::string> kStopWords = {
    "a",    "an",    "the",   "in",   "on",    "of",    "with",   "and",   "or",      "but",
    "at",   "to",    "for",   "from", "by",    "as",    "into",   "onto",  "over",    "under",
    "up",   "down",  "out",   "off",  "about", "after", "before", "while", "through", "across",
    "its",  "it",    "their", "his",  "her",   "this",  "that",   "these", "those",   "is",
    "are",  "was",   "were",  "be",   "been",  "being", "has",    "have",  "had",     "very",
    "then", "there", "which", "who",  "whose", "where", "when",   "than",  "so",      "some"};

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '\'';
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  for (const char c : text + " ") {
    if (word_char(c)) {
      cur += c;
    } else if (!cur.empty()) {
      words.push_back(cur);
      cur.clear();
    }
  }
  return words;
}

// Start of every occurrence of `needle` in the non-padding, non-EOS part of `ids`.
std::vector<int64_t> occurrences(const std::vector<int64_t>& ids,
                                 const std::vector<int64_t>& needle) {
  auto end = std::find(ids.begin(), ids.end(), T5Tokenizer::kEosId);
  std::vector<int64_t> starts;
  if (needle.empty()) return starts;
  for (auto it = ids.begin(); (it = std::search(it, end, needle.begin(), needle.end())) != end;
       ++it)
    starts.push_back(it - ids.begin());
  return starts;
}

// Positions of all pieces of every occurrence of `word`; empty when it does not occur.
std::vector<int64_t> word_positions(const T5Tokenizer& tokenizer, const std::vector<int64_t>& ids,
                                    const std::string& word) {
  const auto pieces = tokenizer.encode(word);
  std::vector<int64_t> positions;
  for (const int64_t start : occurrences(ids, pieces))
    for (int64_t i = 0; i < static_cast<int64_t>(pieces.size()); ++i)
      positions.push_back(start + i);
  return positions;
}

std::vector<int64_t> sorted_unique(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Positions of the words that occur; throws naming the prompt when none does.
std::vector<int64_t> matched_positions(const T5Tokenizer& tokenizer, const std::string& prompt,
                                       const std::vector<std::string>& words) {
  const auto ids = tokenizer.encode_for_t5(prompt);
  std::vector<int64_t> all;
  for (const auto& word : words) {
    const auto p = word_positions(tokenizer, ids, word);
    all.insert(all.end(), p.begin(), p.end());
  }
  if (all.empty())
    throw std::runtime_error("auto_subject_tokens: no subject word found in the tokens of \"" +
                             prompt + "\"");
  return sorted_unique(all);
}

// Each shared word as spelled in `prompt` (first occurrence).
std::vector<std::string> spelled_in(const std::string& prompt,
                                    const std::vector<std::string>& words) {
  std::set<std::string> wanted;
  for (const auto& w : words) wanted.insert(lower(w));
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& w : content_words(prompt))
    if (wanted.count(lower(w)) && seen.insert(lower(w)).second) out.push_back(w);
  return out;
}

std::string last_content_word(const std::string& prompt) {
  const auto words = content_words(prompt);
  if (words.empty())
    throw std::runtime_error("auto_subject_tokens: no content word in \"" + prompt + "\"");
  return words.back();
}

}  // namespace

std::vector<int64_t> subject_token_indices(const T5Tokenizer& tokenizer, const std::string& prompt,
                                           const std::vector<std::string>& words) {
  const auto ids = tokenizer.encode_for_t5(prompt);
  std::vector<int64_t> all;
  for (const auto& word : words) {
    const auto p = word_positions(tokenizer, ids, word);
    if (p.empty())
      throw std::runtime_error("subject word \"" + word + "\" is not among the T5 tokens of \"" +
                               prompt + "\"");
    all.insert(all.end(), p.begin(), p.end());
  }
  return sorted_unique(all);
}

std::vector<int64_t> checked_token_indices(std::vector<int64_t> indices, int64_t text_len) {
  for (const int64_t i : indices)
    if (i < 0 || i >= text_len)
      throw std::runtime_error("subject token index " + std::to_string(i) + " is outside [0, " +
                               std::to_string(text_len) + ")");
  if (indices.empty()) throw std::runtime_error("subject token indices: none given");
  return sorted_unique(std::move(indices));
}

std::vector<std::string> content_words(const std::string& prompt) {
  std::vector<std::string> out;
  for (const auto& w : words_of(prompt))
    if (!kStopWords.count(lower(w))) out.push_back(w);
  return out;
}

std::vector<std::string> shared_content_words(const std::string& a, const std::string& b) {
  std::set<std::string> in_b;
  for (const auto& w : content_words(b)) in_b.insert(lower(w));
  std::vector<std::string> shared;
  for (const auto& w : content_words(a))
    if (in_b.count(lower(w))) shared.push_back(w);
  return spelled_in(a, shared);
}

SubjectTokens auto_subject_tokens(const T5Tokenizer& tokenizer, const std::string& source_prompt,
                                  const std::string& target_prompt) {
  const auto shared = shared_content_words(source_prompt, target_prompt);
  if (shared.empty())
    return {matched_positions(tokenizer, source_prompt, {last_content_word(source_prompt)}),
            matched_positions(tokenizer, target_prompt, {last_content_word(target_prompt)})};
  return {matched_positions(tokenizer, source_prompt, shared),
          matched_positions(tokenizer, target_prompt, spelled_in(target_prompt, shared))};
}

}  // namespace ditstream
