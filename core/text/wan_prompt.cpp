#include "core/text/wan_prompt.h"

#include "core/text/t5_encoder.h"
#include "core/text/t5_tokenizer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

namespace ditstream {
namespace {

struct NamedEntity {
  const char* name;
  char32_t code;
};

// Usable without ';' (Python's html5 keys without ';'), sorted by name.
constexpr NamedEntity kLegacyEntities[] = {
    {"AElig", 0xC6},  {"AMP", 0x26},    {"Aacute", 0xC1}, {"Acirc", 0xC2},  {"Agrave", 0xC0},
    {"Aring", 0xC5},  {"Atilde", 0xC3}, {"Auml", 0xC4},   {"COPY", 0xA9},   {"Ccedil", 0xC7},
    {"ETH", 0xD0},    {"Eacute", 0xC9}, {"Ecirc", 0xCA},  {"Egrave", 0xC8}, {"Euml", 0xCB},
    {"GT", 0x3E},     {"Iacute", 0xCD}, {"Icirc", 0xCE},  {"Igrave", 0xCC}, {"Iuml", 0xCF},
    {"LT", 0x3C},     {"Ntilde", 0xD1}, {"Oacute", 0xD3}, {"Ocirc", 0xD4},  {"Ograve", 0xD2},
    {"Oslash", 0xD8}, {"Otilde", 0xD5}, {"Ouml", 0xD6},   {"QUOT", 0x22},   {"REG", 0xAE},
    {"THORN", 0xDE},  {"Uacute", 0xDA}, {"Ucirc", 0xDB},  {"Ugrave", 0xD9}, {"Uuml", 0xDC},
    {"Yacute", 0xDD}, {"aacute", 0xE1}, {"acirc", 0xE2},  {"acute", 0xB4},  {"aelig", 0xE6},
    {"agrave", 0xE0}, {"amp", 0x26},    {"aring", 0xE5},  {"atilde", 0xE3}, {"auml", 0xE4},
    {"brvbar", 0xA6}, {"ccedil", 0xE7}, {"cedil", 0xB8},  {"cent", 0xA2},   {"copy", 0xA9},
    {"curren", 0xA4}, {"deg", 0xB0},    {"divide", 0xF7}, {"eacute", 0xE9}, {"ecirc", 0xEA},
    {"egrave", 0xE8}, {"eth", 0xF0},    {"euml", 0xEB},   {"frac12", 0xBD}, {"frac14", 0xBC},
    {"frac34", 0xBE}, {"gt", 0x3E},     {"iacute", 0xED}, {"icirc", 0xEE},  {"iexcl", 0xA1},
    {"igrave", 0xEC}, {"iquest", 0xBF}, {"iuml", 0xEF},   {"laquo", 0xAB},  {"lt", 0x3C},
    {"macr", 0xAF},   {"micro", 0xB5},  {"middot", 0xB7}, {"nbsp", 0xA0},   {"not", 0xAC},
    {"ntilde", 0xF1}, {"oacute", 0xF3}, {"ocirc", 0xF4},  {"ograve", 0xF2}, {"ordf", 0xAA},
    {"ordm", 0xBA},   {"oslash", 0xF8}, {"otilde", 0xF5}, {"ouml", 0xF6},   {"para", 0xB6},
    {"plusmn", 0xB1}, {"pound", 0xA3},  {"quot", 0x22},   {"raquo", 0xBB},  {"reg", 0xAE},
    {"sect", 0xA7},   {"shy", 0xAD},    {"sup1", 0xB9},   {"sup2", 0xB2},   {"sup3", 0xB3},
    {"szlig", 0xDF},  {"thorn", 0xFE},  {"times", 0xD7},  {"uacute", 0xFA}, {"ucirc", 0xFB},
    {"ugrave", 0xF9}, {"uml", 0xA8},    {"uuml", 0xFC},   {"yacute", 0xFD}, {"yen", 0xA5},
    {"yuml", 0xFF}};

// The rest of HTML 4's names (with apos), which need ';', sorted by name.
constexpr NamedEntity kEntities[] = {
    {"Alpha", 0x391},    {"Beta", 0x392},     {"Chi", 0x3A7},     {"Dagger", 0x2021},
    {"Delta", 0x394},    {"Epsilon", 0x395},  {"Eta", 0x397},     {"Gamma", 0x393},
    {"Iota", 0x399},     {"Kappa", 0x39A},    {"Lambda", 0x39B},  {"Mu", 0x39C},
    {"Nu", 0x39D},       {"OElig", 0x152},    {"Omega", 0x3A9},   {"Omicron", 0x39F},
    {"Phi", 0x3A6},      {"Pi", 0x3A0},       {"Prime", 0x2033},  {"Psi", 0x3A8},
    {"Rho", 0x3A1},      {"Scaron", 0x160},   {"Sigma", 0x3A3},   {"Tau", 0x3A4},
    {"Theta", 0x398},    {"Upsilon", 0x3A5},  {"Xi", 0x39E},      {"Yuml", 0x178},
    {"Zeta", 0x396},     {"alefsym", 0x2135}, {"alpha", 0x3B1},   {"and", 0x2227},
    {"ang", 0x2220},     {"apos", 0x27},      {"asymp", 0x2248},  {"bdquo", 0x201E},
    {"beta", 0x3B2},     {"bull", 0x2022},    {"cap", 0x2229},    {"chi", 0x3C7},
    {"circ", 0x2C6},     {"clubs", 0x2663},   {"cong", 0x2245},   {"crarr", 0x21B5},
    {"cup", 0x222A},     {"dArr", 0x21D3},    {"dagger", 0x2020}, {"darr", 0x2193},
    {"delta", 0x3B4},    {"diams", 0x2666},   {"empty", 0x2205},  {"emsp", 0x2003},
    {"ensp", 0x2002},    {"epsilon", 0x3B5},  {"equiv", 0x2261},  {"eta", 0x3B7},
    {"euro", 0x20AC},    {"exist", 0x2203},   {"fnof", 0x192},    {"forall", 0x2200},
    {"frasl", 0x2044},   {"gamma", 0x3B3},    {"ge", 0x2265},     {"hArr", 0x21D4},
    {"harr", 0x2194},    {"hearts", 0x2665},  {"hellip", 0x2026}, {"image", 0x2111},
    {"infin", 0x221E},   {"int", 0x222B},     {"iota", 0x3B9},    {"isin", 0x2208},
    {"kappa", 0x3BA},    {"lArr", 0x21D0},    {"lambda", 0x3BB},  {"lang", 0x27E8},
    {"larr", 0x2190},    {"lceil", 0x2308},   {"ldquo", 0x201C},  {"le", 0x2264},
    {"lfloor", 0x230A},  {"lowast", 0x2217},  {"loz", 0x25CA},    {"lrm", 0x200E},
    {"lsaquo", 0x2039},  {"lsquo", 0x2018},   {"mdash", 0x2014},  {"minus", 0x2212},
    {"mu", 0x3BC},       {"nabla", 0x2207},   {"ndash", 0x2013},  {"ne", 0x2260},
    {"ni", 0x220B},      {"notin", 0x2209},   {"nsub", 0x2284},   {"nu", 0x3BD},
    {"oelig", 0x153},    {"oline", 0x203E},   {"omega", 0x3C9},   {"omicron", 0x3BF},
    {"oplus", 0x2295},   {"or", 0x2228},      {"otimes", 0x2297}, {"part", 0x2202},
    {"permil", 0x2030},  {"perp", 0x22A5},    {"phi", 0x3C6},     {"pi", 0x3C0},
    {"piv", 0x3D6},      {"prime", 0x2032},   {"prod", 0x220F},   {"prop", 0x221D},
    {"psi", 0x3C8},      {"rArr", 0x21D2},    {"radic", 0x221A},  {"rang", 0x27E9},
    {"rarr", 0x2192},    {"rceil", 0x2309},   {"rdquo", 0x201D},  {"real", 0x211C},
    {"rfloor", 0x230B},  {"rho", 0x3C1},      {"rlm", 0x200F},    {"rsaquo", 0x203A},
    {"rsquo", 0x2019},   {"sbquo", 0x201A},   {"scaron", 0x161},  {"sdot", 0x22C5},
    {"sigma", 0x3C3},    {"sigmaf", 0x3C2},   {"sim", 0x223C},    {"spades", 0x2660},
    {"sub", 0x2282},     {"sube", 0x2286},    {"sum", 0x2211},    {"sup", 0x2283},
    {"supe", 0x2287},    {"tau", 0x3C4},      {"there4", 0x2234}, {"theta", 0x3B8},
    {"thetasym", 0x3D1}, {"thinsp", 0x2009},  {"tilde", 0x2DC},   {"trade", 0x2122},
    {"uArr", 0x21D1},    {"uarr", 0x2191},    {"upsih", 0x3D2},   {"upsilon", 0x3C5},
    {"weierp", 0x2118},  {"xi", 0x3BE},       {"zeta", 0x3B6},    {"zwj", 0x200D},
    {"zwnj", 0x200C}};

// Python's _invalid_charrefs for 0x80..0x9F: the windows-1252 reading of a C1 reference.
constexpr char32_t kC1References[] = {
    0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021, 0x2C6,  0x2030, 0x160,
    0x2039, 0x152,  0x8D,   0x17D,  0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178};

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kNothing = 0xFFFFFFFF;  // the reference decodes to the empty string

template <size_t N>
const NamedEntity* find_entity(const NamedEntity (&table)[N], const std::string& name) {
  const auto it = std::lower_bound(std::begin(table), std::end(table), name,
                                   [](const NamedEntity& e, const std::string& n) {
                                     return std::strcmp(e.name, n.c_str()) < 0;
                                   });
  return it != std::end(table) && name == it->name ? it : nullptr;
}

void append_utf8(std::string& out, char32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

bool is_invalid_codepoint(char32_t n) {
  return (n >= 0x1 && n <= 0x8) || n == 0xB || (n >= 0xE && n <= 0x1F) ||
         (n >= 0x7F && n <= 0x9F) || (n >= 0xFDD0 && n <= 0xFDEF) || (n & 0xFFFE) == 0xFFFE;
}

// Python's html._replace_charref for "&#<n>".
char32_t numeric_reference(char32_t n) {
  if (n == 0) return kReplacement;
  if (n >= 0x80 && n <= 0x9F) return kC1References[n - 0x80];
  if ((n >= 0xD800 && n <= 0xDFFF) || n > 0x10FFFF) return kReplacement;
  return is_invalid_codepoint(n) ? kNothing : n;
}

int digit_value(char c, int base) {
  if (c >= '0' && c <= '9') return c - '0';
  const char lower = static_cast<char>(c | 0x20);
  if (base == 16 && lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

// "&#123;" / "&#x7B" at `pos` (the '&'): appends the character, returns the end, or `pos` when
// there is no digit. Values past U+10FFFF saturate (they all decode to U+FFFD).
size_t decode_numeric(const std::string& text, size_t pos, std::string& out) {
  size_t end = pos + 2;
  const bool hex = end + 1 < text.size() && (text[end] == 'x' || text[end] == 'X') &&
                   digit_value(text[end + 1], 16) >= 0;
  const int base = hex ? 16 : 10;
  if (hex) ++end;
  const size_t digits_begin = end;
  char32_t value = 0;
  for (; end < text.size() && digit_value(text[end], base) >= 0; ++end)
    value = std::min<char32_t>(value * base + digit_value(text[end], base), 0x110000);
  if (end == digits_begin) return pos;
  if (end < text.size() && text[end] == ';') ++end;
  const char32_t code = numeric_reference(value);
  if (code != kNothing) append_utf8(out, code);
  return end;
}

// The longest legacy name that is a proper prefix of `name` (Python keeps the rest as text) and
// its length, or {nullptr, 0}.
std::pair<const NamedEntity*, size_t> legacy_prefix(const std::string& name) {
  for (size_t length = name.size() - 1; length >= 2; --length)
    if (const auto* e = find_entity(kLegacyEntities, name.substr(0, length))) return {e, length};
  return {nullptr, 0};
}

// "&name;" / "&name" at `pos` (the '&'), name = the run of characters other than
// "\t\n\f <&#;": appends the decoded text, returns the end, or `pos` when the run is empty.
size_t decode_named(const std::string& text, size_t pos, std::string& out) {
  const size_t end = text.find_first_of("\t\n\f <&#;", pos + 1);
  const size_t stop = end == std::string::npos ? text.size() : end;
  if (stop == pos + 1) return pos;
  const std::string name = text.substr(pos + 1, stop - pos - 1);
  const bool semicolon = stop < text.size() && text[stop] == ';';
  const auto* full = semicolon ? find_entity(kEntities, name) : nullptr;
  if (!full) full = find_entity(kLegacyEntities, name);
  const size_t after = stop + (semicolon ? 1 : 0);
  if (full) {
    append_utf8(out, full->code);
    return after;
  }
  const auto [prefix, length] = legacy_prefix(name + (semicolon ? ";" : ""));
  if (prefix)
    append_utf8(out, prefix->code);
  else
    out += '&';
  out += text.substr(pos + 1 + length, after - pos - 1 - length);
  return after;
}

// Byte length of the Python-\s whitespace character at `pos`, or 0.
size_t whitespace_length(const std::string& s, size_t pos) {
  const auto byte = [&](size_t i) {
    return pos + i < s.size() ? static_cast<unsigned char>(s[pos + i]) : 0u;
  };
  const unsigned b0 = byte(0), b1 = byte(1), b2 = byte(2);
  if ((b0 >= 0x09 && b0 <= 0x0D) || (b0 >= 0x1C && b0 <= 0x20)) return 1;
  if (b0 == 0xC2 && (b1 == 0x85 || b1 == 0xA0)) return 2;  // U+0085, U+00A0
  if (b0 == 0xE1 && b1 == 0x9A && b2 == 0x80) return 3;    // U+1680
  if (b0 == 0xE2 && b1 == 0x80 && ((b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9))
    return 3;                                            // U+2000..200A, 2028/9
  if (b0 == 0xE2 && b1 == 0x80 && b2 == 0xAF) return 3;  // U+202F
  if (b0 == 0xE2 && b1 == 0x81 && b2 == 0x9F) return 3;  // U+205F
  if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) return 3;  // U+3000
  return 0;
}

}  // namespace

std::string unescape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    size_t end = pos;
    if (text[pos] == '&')
      end = pos + 1 < text.size() && text[pos + 1] == '#' ? decode_numeric(text, pos, out)
                                                          : decode_named(text, pos, out);
    if (end == pos) out += text[end++];
    pos = end;
  }
  return out;
}

std::string collapse_whitespace(const std::string& text) {
  std::string out;
  bool pending_space = false;
  for (size_t pos = 0; pos < text.size();) {
    if (const size_t n = whitespace_length(text, pos)) {
      pending_space = !out.empty();
      pos += n;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += text[pos++];
  }
  return out;
}

std::string clean_wan_prompt(const std::string& text) {
  return collapse_whitespace(unescape_html(unescape_html(text)));
}

WanPromptTokens tokenize_wan_prompts(const T5Tokenizer& tokenizer,
                                     const std::vector<std::string>& prompts, int64_t max_length) {
  const auto rows = static_cast<int64_t>(prompts.size());
  WanPromptTokens out{
      torch::full({rows, max_length}, tokenizer.special_tokens().pad_id, torch::kLong),
      torch::zeros({rows, max_length}, torch::kLong)};
  for (int64_t row = 0; row < rows; ++row) {
    const auto ids = tokenizer.encode_with_eos(clean_wan_prompt(prompts[row]), max_length);
    const auto length = static_cast<int64_t>(ids.size());
    out.input_ids[row].narrow(0, 0, length).copy_(torch::tensor(ids, torch::kLong));
    out.attention_mask[row].narrow(0, 0, length).fill_(1);
  }
  return out;
}

torch::Tensor zero_rows_past_length(const torch::Tensor& hidden,
                                    const torch::Tensor& attention_mask) {
  TORCH_CHECK(hidden.dim() == 3 && attention_mask.dim() == 2 &&
                  attention_mask.size(0) == hidden.size(0) &&
                  attention_mask.size(1) == hidden.size(1),
              "zero_rows_past_length: hidden (B, L, D) ", hidden.sizes(),
              " and attention_mask (B, L) ", attention_mask.sizes(), " disagree");
  const auto lengths = attention_mask.gt(0).sum(1).to(hidden.device());
  const auto positions = torch::arange(hidden.size(1), lengths.options());
  const auto keep = positions.unsqueeze(0).lt(lengths.unsqueeze(1)).unsqueeze(-1);
  return torch::where(keep, hidden, torch::zeros({}, hidden.options()));
}

torch::Tensor encode_wan_prompts(const T5EncoderModel& encoder, const WanPromptTokens& tokens) {
  const auto hidden = encoder.forward(tokens.input_ids, tokens.attention_mask);
  return ditstream::zero_rows_past_length(hidden, tokens.attention_mask);
}

}  // namespace ditstream
