#include "core/text/prompt_encoder.h"

#include "core/text/t5_encoder.h"
#include "core/text/t5_tokenizer.h"
#include "core/text/wan_prompt.h"

#include <torch/torch.h>

namespace ditstream {

PromptEncoder::PromptEncoder(std::shared_ptr<const T5EncoderModel> encoder,
                             std::shared_ptr<const T5Tokenizer> tokenizer, TextRules rules,
                             int64_t length)
    : encoder_(std::move(encoder)),
      tokenizer_(std::move(tokenizer)),
      rules_(rules),
      length_(length) {}

torch::Tensor PromptEncoder::encode(const std::string& prompt) const {
  torch::NoGradGuard no_grad;
  const auto device = encoder_->parameters().front().device();
  if (rules_ == TextRules::CogVideoX)
    return encoder_->forward(tokenizer_->encode_batch({prompt}, length_).to(device));
  auto tokens = tokenize_wan_prompts(*tokenizer_, {prompt}, length_);
  tokens.input_ids = tokens.input_ids.to(device);
  tokens.attention_mask = tokens.attention_mask.to(device);
  return encode_wan_prompts(*encoder_, tokens);
}

}  // namespace ditstream
