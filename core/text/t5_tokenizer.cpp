#include "core/text/t5_tokenizer.h"

#include "core/text/sentencepiece_model.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace ditstream {
namespace {

using nlohmann::json;

SpecialTokens t5_special_tokens(int64_t piece_count) {
  SpecialTokens out;
  out.literals = {{"<pad>", T5Tokenizer::kPadId},
                  {"</s>", T5Tokenizer::kEosId},
                  {"<unk>", T5Tokenizer::kUnkId}};
  for (int64_t n = 0; n < T5Tokenizer::kExtraIds; ++n)
    out.literals["<extra_id_" + std::to_string(n) + ">"] =
        piece_count - 1 + T5Tokenizer::kExtraIds - n;
  return out;
}

json read_optional_json(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return json::object();
  std::ifstream in(path);
  try {
    auto parsed = json::parse(in);
    if (!parsed.is_object()) throw std::runtime_error("not a JSON object");
    return parsed;
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + ": cannot read: " + e.what());
  }
}

// A token entry is a string or an AddedToken object {"content": ...}.
std::string token_content(const json& value, const std::string& where) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value.at("content").is_string())
    return value.at("content").get<std::string>();
  throw std::runtime_error(where + ": expected a token string or {\"content\": ...}, got " +
                           value.dump());
}

// The files of one tokenizer folder, and the model whose pieces they name.
class FolderReader {
 public:
  FolderReader(const std::filesystem::path& dir, const SentencePieceModel& model)
      : dir_(dir),
        model_(model),
        config_(read_optional_json(dir / "tokenizer_config.json")),
        map_(read_optional_json(dir / "special_tokens_map.json")) {}

  SpecialTokens read() {
    add_declared_tokens();
    out_.pad_id = resolve("pad_token", "<pad>");
    out_.eos_id = resolve("eos_token", "</s>");
    out_.unk_id = resolve("unk_token", "<unk>");
    add_sentinels();
    return out_;
  }

 private:
  std::string config_file() const { return (dir_ / "tokenizer_config.json").string(); }
  std::string map_file() const { return (dir_ / "special_tokens_map.json").string(); }

  // tokenizer_config.json's added_tokens_decoder: {"<id>": {"content": ...}} with explicit ids.
  void add_declared_tokens() {
    if (!config_.contains("added_tokens_decoder")) return;
    const auto where = config_file() + ": added_tokens_decoder";
    for (const auto& [id, entry] : config_.at("added_tokens_decoder").items()) {
      try {
        out_.literals[token_content(entry, where)] = std::stoll(id);
      } catch (const std::logic_error&) {
        throw std::runtime_error(where + ": '" + id + "' is not a token id");
      }
    }
  }

  // special_tokens_map.json wins over tokenizer_config.json, as transformers loads them.
  std::pair<json, std::string> setting(const std::string& key) const {
    if (map_.contains(key) && !map_.at(key).is_null()) return {map_.at(key), map_file()};
    if (config_.contains(key) && !config_.at(key).is_null())
      return {config_.at(key), config_file()};
    return {json(), ""};
  }

  int64_t resolve(const std::string& key, const std::string& fallback) {
    const auto [value, file] = setting(key);
    const auto where = file.empty() ? dir_.string() + " (default " + key + ")" : file + ": " + key;
    return resolve_token(value.is_null() ? fallback : token_content(value, where), where);
  }

  int64_t resolve_token(const std::string& token, const std::string& where) {
    const auto declared = out_.literals.find(token);
    if (declared != out_.literals.end()) return declared->second;
    const int id = model_.piece_to_id(token);
    if (token.empty() || model_.id_to_piece(id) != token)
      throw std::runtime_error(where + ": token '" + token +
                               "' is neither a piece of spiece.model nor in added_tokens_decoder");
    out_.literals[token] = id;
    return id;
  }

  void add_sentinels() {
    std::vector<std::string> sentinels, others;
    const auto [list, file] = setting("additional_special_tokens");
    for (const auto& entry : list.is_array() ? list : json::array()) {
      auto token = token_content(entry, file + ": additional_special_tokens");
      (token.rfind("<extra_id_", 0) == 0 ? sentinels : others).push_back(std::move(token));
    }
    for (const auto& token : others) resolve_token(token, file + ": additional_special_tokens");
    const int64_t count = sentinel_count(sentinels.size());
    if (count == 0) {
      add_sentinel_pieces();
      return;
    }
    for (int64_t n = 0; n < count; ++n)
      out_.literals.emplace("<extra_id_" + std::to_string(n) + ">",
                            model_.piece_size() - 1 + count - n);
  }

  // tokenizer_config.json's extra_ids, else the number of listed sentinels; both must agree.
  int64_t sentinel_count(size_t listed) const {
    const auto value = config_.value("extra_ids", json(0));
    if (!value.is_number_integer())
      throw std::runtime_error(config_file() + ": extra_ids must be an integer, got " +
                               value.dump());
    const auto declared = value.get<int64_t>();
    if (declared > 0 && listed > 0 && static_cast<size_t>(declared) != listed)
      throw std::runtime_error(config_file() + ": extra_ids " + std::to_string(declared) +
                               " disagrees with the " + std::to_string(listed) +
                               " <extra_id_N> additional_special_tokens");
    return declared > 0 ? declared : static_cast<int64_t>(listed);
  }

  // Nothing declared: the model's own "<extra_id_N>" pieces, if it has any.
  void add_sentinel_pieces() {
    for (int id = 0; id < model_.piece_size(); ++id) {
      const auto piece = model_.id_to_piece(id);
      if (piece.rfind("<extra_id_", 0) == 0 && piece.back() == '>') out_.literals[piece] = id;
    }
  }

  std::filesystem::path dir_;
  const SentencePieceModel& model_;
  json config_, map_;
  SpecialTokens out_;
};

}  // namespace

T5Tokenizer::T5Tokenizer(std::filesystem::path path, std::unique_ptr<SentencePieceModel> model)
    : path_(std::move(path)), model_(std::move(model)) {}

T5Tokenizer::T5Tokenizer(const std::filesystem::path& spiece_model)
    : T5Tokenizer(spiece_model, load_sentencepiece(spiece_model)) {
  const bool t5_specials = model_->id_to_piece(kPadId) == "<pad>" &&
                           model_->id_to_piece(kEosId) == "</s>" &&
                           model_->id_to_piece(kUnkId) == "<unk>";
  if (!t5_specials)
    throw std::runtime_error(spiece_model.string() +
                             ": not a T5 vocabulary (expected <pad>=0, </s>=1, <unk>=2)");
  specials_ = t5_special_tokens(piece_count());
}

T5Tokenizer T5Tokenizer::from_folder(const std::filesystem::path& tokenizer_dir) {
  const auto path = find_tokenizer_model(tokenizer_dir);
  T5Tokenizer tokenizer(path, load_sentencepiece(path));
  tokenizer.specials_ = FolderReader(tokenizer_dir, *tokenizer.model_).read();
  return tokenizer;
}

T5Tokenizer::~T5Tokenizer() = default;
T5Tokenizer::T5Tokenizer(T5Tokenizer&&) noexcept = default;
T5Tokenizer& T5Tokenizer::operator=(T5Tokenizer&&) noexcept = default;

int64_t T5Tokenizer::piece_count() const { return model_->piece_size(); }

int64_t T5Tokenizer::vocab_size() const {
  int64_t size = piece_count();
  for (const auto& literal : specials_.literals) size = std::max(size, literal.second + 1);
  return size;
}

std::vector<int64_t> T5Tokenizer::encode_span(const std::string& span) const {
  const auto ids = model_->encode(span);
  return {ids.begin(), ids.end()};
}

std::pair<size_t, int64_t> T5Tokenizer::match_literal(const std::string& text, size_t pos) const {
  std::pair<size_t, int64_t> best{0, 0};
  const auto& literals = specials_.literals;
  for (auto it = literals.lower_bound(text.substr(pos, 1));
       it != literals.end() && it->first[0] == text[pos]; ++it) {
    if (it->first.size() > best.first && text.compare(pos, it->first.size(), it->first) == 0)
      best = {it->first.size(), it->second};
  }
  return best;
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
    const auto [length, id] = match_literal(text, pos);
    if (length == 0) {
      ++pos;
      continue;
    }
    flush_span(pos);
    out.push_back(id);
    pos += length;
    span_begin = pos;
  }
  flush_span(text.size());
  return out;
}

std::vector<int64_t> T5Tokenizer::encode_with_eos(const std::string& text,
                                                  int64_t max_length) const {
  if (max_length < 1) throw std::runtime_error("T5Tokenizer: max_length must be at least 1");
  std::vector<int64_t> ids = encode(text);
  if (static_cast<int64_t>(ids.size()) > max_length - 1) ids.resize(max_length - 1);
  if (ids.empty() || ids.back() != specials_.eos_id) ids.push_back(specials_.eos_id);
  return ids;
}

std::vector<int64_t> T5Tokenizer::encode_for_t5(const std::string& text, int64_t max_length) const {
  std::vector<int64_t> ids = encode_with_eos(text, max_length);
  ids.resize(max_length, specials_.pad_id);
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
  if (std::filesystem::is_regular_file(path)) return path;
  if (std::filesystem::exists(tokenizer_dir / "tokenizer.json"))
    throw std::runtime_error(
        tokenizer_dir.string() +
        ": only tokenizer.json (a fast tokenizer) is here, and ditstream runs the SentencePiece "
        "model: add spiece.model to this folder (for Wan, google/umt5-xxl's spiece.model)");
  throw std::runtime_error(tokenizer_dir.string() +
                           ": no spiece.model (the T5 SentencePiece model) in this folder");
}

}  // namespace ditstream
