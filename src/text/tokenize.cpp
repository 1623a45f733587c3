#include "text/tokenize.h"

#include <utf8proc.h>

#include <algorithm>

namespace matchmaker::text {
namespace {

// Minimum length, in code points, of a model code: shorter letter+digit mixes ("mp3", "4k", "a1") are
// ordinary words, not identifiers of one product.
constexpr std::size_t kMinCodeLength = 4;

// normalize() only emits ' ', but tokens are also cut at other ASCII whitespace so that text which skipped
// normalisation cannot produce tokens holding tabs or newlines.
constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
constexpr bool is_joiner(char c) { return c == '-' || c == '/' || c == '.'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Calls `fn(chunk)` for every maximal run of non-space characters.
template <typename Fn>
void for_each_chunk(std::string_view text, Fn&& fn) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && !is_space(text[pos])) ++pos;
    if (pos > start) fn(text.substr(start, pos - start));
  }
}

// Calls `fn(token)` for the word tokens of one chunk: it is cut at every joiner, except a joiner between two
// ASCII digits, which belongs to a number ("1.5", "33-1/3").
template <typename Fn>
void for_each_word(std::string_view chunk, Fn&& fn) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    if (!is_joiner(chunk[i])) continue;
    const bool in_number = i > 0 && i + 1 < chunk.size() && is_digit(chunk[i - 1]) && is_digit(chunk[i + 1]);
    if (in_number) continue;
    if (i > start) fn(chunk.substr(start, i - start));
    start = i + 1;
  }
  if (start < chunk.size()) fn(chunk.substr(start));
}

// What model_codes needs to know about a piece of text once its joiners are removed.
struct CodeShape {
  std::size_t code_points = 0;
  bool has_letter = false;
  bool has_digit = false;

  bool is_code() const { return code_points >= kMinCodeLength && has_letter && has_digit; }
};

// Shape of `piece` without its joiners; the joiner-free text is written to `stripped`.
CodeShape code_shape(std::string_view piece, std::string& stripped) {
  CodeShape shape;
  stripped.clear();
  std::size_t pos = 0;
  while (pos < piece.size()) {
    const char c = piece[pos];
    if (is_joiner(c)) {
      ++pos;
      continue;
    }
    ++shape.code_points;
    if (static_cast<unsigned char>(c) < 0x80) {
      if (is_digit(c)) {
        shape.has_digit = true;
      } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        shape.has_letter = true;
      }
      stripped.push_back(c);
      ++pos;
      continue;
    }
    utf8proc_int32_t cp = -1;
    const auto len = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(piece.data() + pos),
                                      static_cast<utf8proc_ssize_t>(piece.size() - pos), &cp);
    const std::size_t step = len > 0 ? static_cast<std::size_t>(len) : 1;  // a stray byte counts as one character
    if (cp >= 0) {
      switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO: shape.has_letter = true; break;
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_NO: shape.has_digit = true; break;
        default: break;
      }
    }
    stripped.append(piece.substr(pos, step));
    pos += step;
  }
  return shape;
}

}  // namespace

void word_tokens(std::string_view normalized, std::vector<std::string_view>& out) {
  out.clear();
  for_each_chunk(normalized, [&](std::string_view chunk) {
    for_each_word(chunk, [&](std::string_view word) { out.push_back(word); });
  });
}

void model_codes(std::string_view normalized, std::vector<std::string>& out) {
  out.clear();
  thread_local std::string stripped;  // reused: codes are extracted from every record
  const auto add = [&](std::string_view piece) {
    if (!code_shape(piece, stripped).is_code()) return;
    // A record holds a handful of codes, so a linear scan beats hashing.
    if (std::find(out.begin(), out.end(), stripped) == out.end()) out.push_back(stripped);
  };
  for_each_chunk(normalized, [&](std::string_view chunk) {
    add(chunk);
    // A chunk that is itself one word was just looked at whole.
    bool whole = true;
    for (const char c : chunk) whole = whole && !is_joiner(c);
    if (!whole) for_each_word(chunk, add);
  });
}

void char_qgrams(std::string_view normalized, int q, std::string& padded, std::vector<std::string_view>& out) {
  out.clear();
  padded.clear();
  padded.reserve(normalized.size() + 2);
  padded.push_back(' ');
  padded.append(normalized);
  padded.push_back(' ');
  if (q < 1) return;  // no gram has fewer than one character
  // An empty text has no gram: its padding alone made one, shared by every empty record, and records
  // with no content at all became candidates of one another (and matches, at cosine 1).
  if (normalized.empty()) return;

  const std::string_view text = padded;
  const auto next_code_point = [&](std::size_t pos) {
    ++pos;
    while (pos < text.size() && is_continuation(text[pos])) ++pos;
    return pos;
  };
  // [start, end) spans q code points and slides one code point at a time.
  std::size_t start = 0;
  std::size_t end = 0;
  for (int k = 0; k < q; ++k) {
    if (end == text.size()) {
      out.push_back(text);  // shorter than q: the padded text is the one gram
      return;
    }
    end = next_code_point(end);
  }
  while (true) {
    out.push_back(text.substr(start, end - start));
    if (end == text.size()) break;
    start = next_code_point(start);
    end = next_code_point(end);
  }
}

}  // namespace matchmaker::text
