#pragma once
// T5's SentencePiece tokenizer with the rules CogVideoX applies (transformers' slow T5Tokenizer,
// legacy mode): special-token literals are split out first, every other span is encoded by
// SentencePiece on its own, ids are truncated to max_length - 1, EOS = 1 is appended unless the
// ids already end with it, and the row is right-padded with PAD = 0.
//
// Special-token literals (T5): "</s>" -> 1, "<pad>" -> 0, "<unk>" -> 2, "<extra_id_N>" (N < 100)
// -> 32099 - N, matched case-sensitively anywhere in the raw text (as transformers' trie does).
// Whitespace next to a literal never changes the ids in legacy mode: SentencePiece drops a span's
// leading/trailing whitespace, and whitespace-only spans encode to nothing.
//
// T5Tokenizer::from_folder reads the special tokens from the folder's own files instead (UMT5:
// 256000 pieces, sentinels after them), with the same rules otherwise.

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ditstream {

class SentencePieceModel;

struct SpecialTokens {
  int64_t pad_id = 0;
  int64_t eos_id = 1;
  int64_t unk_id = 2;
  std::map<std::string, int64_t> literals;  // split out of the raw text; longest match wins
};

class T5Tokenizer {
 public:
  static constexpr int64_t kPadId = 0;
  static constexpr int64_t kEosId = 1;
  static constexpr int64_t kUnkId = 2;
  static constexpr int64_t kExtraIds = 100;
  static constexpr int64_t kDefaultMaxLength = 226;

  // T5's fixed special tokens. Throws naming the file when it is missing, not a SentencePiece
  // model, or lacks <pad>=0, </s>=1, <unk>=2.
  explicit T5Tokenizer(const std::filesystem::path& spiece_model);
  // `<dir>/spiece.model` with the special tokens of `<dir>`'s files: pad/eos/unk from
  // special_tokens_map.json (else tokenizer_config.json, else "<pad>", "</s>", "<unk>"), resolved
  // through tokenizer_config.json's added_tokens_decoder or the model's pieces; sentinels
  // "<extra_id_N>" from `extra_ids` / `additional_special_tokens` (ids piece_count - 1 + count - N,
  // as transformers assigns them), else the model's own "<extra_id_N>" pieces. Throws naming the
  // file and token when a token resolves to nothing.
  static T5Tokenizer from_folder(const std::filesystem::path& tokenizer_dir);
  ~T5Tokenizer();
  T5Tokenizer(T5Tokenizer&&) noexcept;
  T5Tokenizer& operator=(T5Tokenizer&&) noexcept;

  // Token ids without EOS or padding (plain SentencePiece ids for text without literals).
  std::vector<int64_t> encode(const std::string& text) const;
  // Truncated to max_length - 1, then EOS unless already last: the ids the attention mask covers.
  std::vector<int64_t> encode_with_eos(const std::string& text, int64_t max_length) const;
  // What CogVideoX feeds to T5: exactly max_length ids.
  std::vector<int64_t> encode_for_t5(const std::string& text,
                                     int64_t max_length = kDefaultMaxLength) const;
  // int64 (B, max_length) on the CPU.
  torch::Tensor encode_batch(const std::vector<std::string>& texts,
                             int64_t max_length = kDefaultMaxLength) const;
  // True when encode_for_t5 drops tokens (callers should warn, as transformers does).
  bool truncated(const std::string& text, int64_t max_length = kDefaultMaxLength) const;

  int64_t piece_count() const;  // 32000 for T5
  int64_t vocab_size() const;   // pieces and literal ids: 32100 for T5
  const std::filesystem::path& model_path() const { return path_; }
  const SpecialTokens& special_tokens() const { return specials_; }

 private:
  T5Tokenizer(std::filesystem::path path, std::unique_ptr<SentencePieceModel> model);
  std::vector<int64_t> encode_span(const std::string& span) const;
  // (length, id) of the longest literal at `pos`, or length 0.
  std::pair<size_t, int64_t> match_literal(const std::string& text, size_t pos) const;

  std::filesystem::path path_;
  std::unique_ptr<SentencePieceModel> model_;
  SpecialTokens specials_;
};

// `<tokenizer_dir>/spiece.model`; throws naming the folder when it is absent (and saying to add
// spiece.model when the folder holds only a fast tokenizer's tokenizer.json).
std::filesystem::path find_tokenizer_model(const std::filesystem::path& tokenizer_dir);

}  // namespace ditstream
