#include "core/text/t5_tokenizer.h"

#include "core/text/sentencepiece_model.h"

#include <torch/torch.h>

#include <cctype>
#include <optional>
#include <stdexcept>

namespace ditstream {
namespace {

struct Literal {
  size_t length = 0;
  int64_t id = 0;
};

// Parses "<extra_id_N>" (N in 0..99, no leading zero) at `pos`.
std::optional<Literal> match_extra_id(const std::string& text, size_t pos, int64_t piece_count) {
  static const std::string prefix = "<extra_id_";
  if (text.compare(pos, prefix.size(), prefix) != 0) return std::nullopt;
  size_t end = pos + prefix.size();
  int64_t n = 0;
  size_t digits = 0;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])) && digits < 3) {
    n = n * 10 + (text[end] - '0');
    ++end;
    ++digits;
  }
  const bool leading_zero = digits > 1 && text[pos + prefix.size()] == '0';
  if (digits == 0 || leading_zero || n >= T5Tokenizer::kExtraIds) return std::nullopt;
  if (end >= text.size() || text[end] != '>') return std::nullopt;
  return Literal{end + 1 - pos, piece_count - 1 + T5Tokenizer::kExtraIds - n};
}

std::optional<Literal> match_literal(const std::string& text, size_t pos, int64_t piece_count) {
  static const std::pair<std::string, int64_t> fixed[] = {{"</s>", T5Tokenizer::kEosId},
                                                          {"<pad>", T5Tokenizer::kPadId},
                                                          {"<unk>", T5Tokenizer::kUnkId}};
  for (const auto& [literal, id] : fixed)
    if (text.compare(pos, literal.size(), literal) == 0) return Literal{literal.size(), id};
  return match_extra_id(text, pos, piece_count);
}

}  // namespace

T5Tokenizer::T5Tokenizer(const std::filesystem::path& spiece_model)
    : path_(spiece_model), model_(load_sentencepiece(spiece_model)) {
  const bool t5_specials = model_->id_to_piece(kPadId) == "<pad>" &&
                           model_->id_to_piece(kEosId) == "</s>" &&
                           model_->id_to_piece(kUnkId) == "<unk>";
  if (!t5_specials)
    throw std::runtime_error(spiece_model.string() +
                             ": not a T5 vocabulary (expected <pad>=0, </s>=1, <unk>=2)");
}

T5Tokenizer::~T5Tokenizer() = default;
T5Tokenizer::T5Tokenizer(T5Tokenizer&&) noexcept = default;
T5Tokenizer& T5Tokenizer::operator=(T5Tokenizer&&) noexcept = default;

int64_t T5Tokenizer::piece_count() const { return model_->piece_size(); }

int64_t T5Tokenizer::vocab_size() const { return piece_count() + kExtraIds; }

std::vector<int64_t> T5Tokenizer::encode_span(const std::string& span) const {
  const auto ids = model_->encode(span);
  return {ids.begin(), ids.end()};
}

std::vector<int64_t> T5Tokenizer::encode(const std::string& text) const {
  std::vector<int64_t> out;
  size_t span_begin = 0;
  auto flush_span = [&](size_t end) {
    if (end == span_begin) return;
    const auto ids = encode_span(text.substr(span_begin, end - span_begin));
    out.insert(out.end(), ids.begin(), ids.end());
  };
  for (size_t pos = 0; pos < text.size();) {
    const auto literal = text[pos] == '<' ? match_literal(text, pos, piece_count()) : std::nullopt;
    if (!literal) {
      ++pos;
      continue;
    }
    flush_span(pos);
    out.push_back(literal->id);
    pos += literal->length;
    span_begin = pos;
  }
  flush_span(text.size());
  return out;
}

std::vector<int64_t> T5Tokenizer::encode_for_t5(const std::string& text, int64_t max_length) const {
  if (max_length < 1) throw std::runtime_error("T5Tokenizer: max_length must be at least 1");
  std::vector<int64_t> ids = encode(text);
  // Truncation keeps room for one EOS; EOS is then appended unless already last.
  if (static_cast<int64_t>(ids.size()) > max_length - 1) ids.resize(max_length - 1);
  if (ids.empty() || ids.back() != kEosId) ids.push_back(kEosId);
  ids.resize(max_length, kPadId);
  return ids;
}

torch::Tensor T5Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                        int64_t max_length) const {
  auto out = torch::empty({static_cast<int64_t>(texts.size()), max_length}, torch::kLong);
  for (size_t row = 0; row < texts.size(); ++row) {
    const auto ids = encode_for_t5(texts[row], max_length);
    out[row].copy_(torch::tensor(ids, torch::kLong));
  }
  return out;
}

bool T5Tokenizer::truncated(const std::string& text, int64_t max_length) const {
  return static_cast<int64_t>(encode(text).size()) > max_length - 1;
}

std::filesystem::path find_tokenizer_model(const std::filesystem::path& tokenizer_dir) {
  const auto path = tokenizer_dir / "spiece.model";
  if (!std::filesystem::is_regular_file(path))
    throw std::runtime_error(tokenizer_dir.string() +
                             ": no spiece.model (the T5 SentencePiece model) in this folder");
  return path;
}

}  // namespace ditstream
