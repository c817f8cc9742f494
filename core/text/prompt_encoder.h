#pragma once
// A prompt to its embedding under the family's text rules: CogVideoX feeds T5 226 ids without a
// mask; Wan cleans the prompt, feeds UMT5 512 ids with a mask and zeroes the rows past its length.

#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <string>

namespace ditstream {

class T5EncoderModel;
class T5Tokenizer;

enum class TextRules { CogVideoX, Wan };

class PromptEncoder {
 public:
  PromptEncoder(std::shared_ptr<const T5EncoderModel> encoder,
                std::shared_ptr<const T5Tokenizer> tokenizer, TextRules rules, int64_t length);

  // (1, length, d_model) in the encoder's dtype, on its device.
  torch::Tensor encode(const std::string& prompt) const;
  const T5Tokenizer& tokenizer() const { return *tokenizer_; }
  int64_t length() const { return length_; }

 private:
  std::shared_ptr<const T5EncoderModel> encoder_;
  std::shared_ptr<const T5Tokenizer> tokenizer_;
  TextRules rules_;
  int64_t length_;
};

}  // namespace ditstream
