#pragma once
// Wan's text rules (diffusers pipeline_wan.py, _get_t5_prompt_embeds): clean each prompt, tokenize
// to 512 ids (truncation, EOS, padding) with an attention mask, run UMT5 with that mask, and zero
// every output row past the prompt's length (EOS included in the length).
//
// Cleaning is prompt_clean as diffusers runs it WITHOUT ftfy installed. With ftfy, fix_text runs
// first; not reproduced here: mojibake repair ("cafÃ©" -> "café"), curly-quote straightening,
// Latin ligature and full-width character folding, NFC normalisation, terminal-escape and
// control-character removal, \r\n -> \n, and ftfy's own HTML unescaping of text without '<'.

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ditstream {

class T5EncoderModel;
class T5Tokenizer;

constexpr int64_t kWanTextLength = 512;

// Python's html.unescape on UTF-8 text: numeric references (with its replacements for NUL,
// surrogates, C1 controls and non-characters) and named references. Names known: HTML 4's 253
// (with HTML5's values); the 106 legacy names (Latin-1, amp, lt, gt, quot, ...) also without ';'
// and as a prefix ("&ampx" -> "&x"). HTML5-only names ("&hyphen;", "&NewLine;") stay as written.
std::string unescape_html(const std::string& text);
// diffusers' whitespace_clean: each run of Python-\s whitespace (Unicode: includes U+00A0,
// U+3000, ...) becomes one space, then both ends are stripped.
std::string collapse_whitespace(const std::string& text);
// prompt_clean: unescape_html twice, then collapse_whitespace.
std::string clean_wan_prompt(const std::string& text);

struct WanPromptTokens {
  torch::Tensor input_ids;       // int64 (B, max_length): ids, EOS, then padding
  torch::Tensor attention_mask;  // int64 (B, max_length): 1 on the ids and EOS, then 0
};

// Cleans each prompt, then encodes it as the tokenizer's encode_with_eos, padded with its pad id.
WanPromptTokens tokenize_wan_prompts(const T5Tokenizer& tokenizer,
                                     const std::vector<std::string>& prompts,
                                     int64_t max_length = kWanTextLength);
// hidden (B, L, D): rows at positions >= the row's mask sum set to exactly +0.
torch::Tensor zero_rows_past_length(const torch::Tensor& hidden,
                                    const torch::Tensor& attention_mask);
// The encoder run with the mask, then zero_rows_past_length: Wan's prompt embeddings (B, L, D).
torch::Tensor encode_wan_prompts(const T5EncoderModel& encoder, const WanPromptTokens& tokens);

}  // namespace ditstream
