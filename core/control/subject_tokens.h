#pragma once
// Subject tokens for mask-guided KV-sharing (ditctrl-spec §5.1): positions in the 226 T5 ids that
// CogVideoX feeds to the text encoder (T5Tokenizer::encode_for_t5), 0-based.
//
// A word maps to every occurrence of its SentencePiece piece sequence (T5Tokenizer::encode(word),
// which carries the word-initial "▁") in the prompt's ids; a word may be several pieces, and all
// of them are returned. Matching is case-sensitive on the pieces, so pass words as spelled in the
// prompt ("A" and "a" are different pieces).
//
// Automatic rule (the reference has none; its indices are user input):
//   words  = maximal runs of ASCII letters, digits, '-' and '\'' in each prompt;
//   content words = words whose lower-case form is not a stop word (articles, prepositions,
//            conjunctions, pronouns, forms of "be"/"have", see kStopWords in the .cpp);
//   if the prompts share content words (compared lower-case), the subject is every shared content
//   word, each prompt mapped with its own spelling; otherwise each prompt's subject is its own
//   last content word. Words that cannot be matched in the ids (e.g. cut off by truncation) are
//   skipped; an empty result throws.

#include <cstdint>
#include <string>
#include <vector>

namespace ditstream {

class T5Tokenizer;

struct SubjectTokens {
  std::vector<int64_t> source;
  std::vector<int64_t> target;
};

// Sorted positions of every occurrence of each word; throws naming the word and the prompt when a
// word occurs nowhere in the (possibly truncated) ids.
std::vector<int64_t> subject_token_indices(const T5Tokenizer& tokenizer, const std::string& prompt,
                                           const std::vector<std::string>& words);

// Explicit indices: sorted, deduplicated; throws when one is outside [0, text_len).
std::vector<int64_t> checked_token_indices(std::vector<int64_t> indices, int64_t text_len = 226);

std::vector<std::string> content_words(const std::string& prompt);  // in prompt order
// Content words of `a` whose lower-case form is also a content word of `b`, first spelling in a.
std::vector<std::string> shared_content_words(const std::string& a, const std::string& b);

// The automatic rule above.
SubjectTokens auto_subject_tokens(const T5Tokenizer& tokenizer, const std::string& source_prompt,
                                  const std::string& target_prompt);

}  // namespace ditstream
