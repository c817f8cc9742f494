#pragma once
// T5's SentencePiece tokenizer with the rules CogVideoX applies (transformers' slow T5Tokenizer,
// legacy mode): special-token literals are split out first, every other span is encoded by
// SentencePiece on its own, ids are truncated to max_length - 1, EOS = 1 is appended unless the
// ids already end with it, and the row is right-padded with PAD = 0.
//
// Special-token literals: "</s>" -> 1, "<pad>" -> 0, "<unk>" -> 2, "<extra_id_N>" (N < 100) ->
// 32099 - N, matched case-sensitively anywhere in the raw text (as transformers' trie does).
// Whitespace next to a literal never changes the ids in legacy mode: SentencePiece drops a span's
// leading/trailing whitespace, and whitespace-only spans encode to nothing.

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ditstream {

class SentencePieceModel;

class T5Tokenizer {
 public:
  static constexpr int64_t kPadId = 0;
  static constexpr int64_t kEosId = 1;
  static constexpr int64_t kUnkId = 2;
  static constexpr int64_t kExtraIds = 100;
  static constexpr int64_t kDefaultMaxLength = 226;

  // Throws naming the file when it is missing or not a SentencePiece model.
  explicit T5Tokenizer(const std::filesystem::path& spiece_model);
  ~T5Tokenizer();
  T5Tokenizer(T5Tokenizer&&) noexcept;
  T5Tokenizer& operator=(T5Tokenizer&&) noexcept;

  // Token ids without EOS or padding (plain SentencePiece ids for text without literals).
  std::vector<int64_t> encode(const std::string& text) const;
  // What CogVideoX feeds to T5: exactly max_length ids.
  std::vector<int64_t> encode_for_t5(const std::string& text,
                                     int64_t max_length = kDefaultMaxLength) const;
  // int64 (B, max_length) on the CPU.
  torch::Tensor encode_batch(const std::vector<std::string>& texts,
                             int64_t max_length = kDefaultMaxLength) const;
  // True when encode_for_t5 drops tokens (callers should warn, as transformers does).
  bool truncated(const std::string& text, int64_t max_length = kDefaultMaxLength) const;

  int64_t piece_count() const;  // 32000 for T5
  int64_t vocab_size() const;   // pieces + the 100 <extra_id_N>: 32100 for T5
  const std::filesystem::path& model_path() const { return path_; }

 private:
  std::vector<int64_t> encode_span(const std::string& span) const;

  std::filesystem::path path_;
  std::unique_ptr<SentencePieceModel> model_;
};

// `<tokenizer_dir>/spiece.model`; throws naming the folder when it is absent.
std::filesystem::path find_tokenizer_model(const std::filesystem::path& tokenizer_dir);

}  // namespace ditstream
