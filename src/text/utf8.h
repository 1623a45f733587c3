// UTF-8 decoding and encoding for code that walks untrusted text code point by code point.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace matchmaker::text {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// Decodes one code point at `pos` and advances past it. Invalid or overlong sequences, surrogates and
// values above U+10FFFF decode to U+FFFD one byte at a time, so any input yields valid UTF-8 output
// (nlohmann::json refuses to dump invalid UTF-8, and the messages are sent as JSON).
inline char32_t decode_utf8(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    ++pos;
    return kReplacementCharacter;
  }
  if (pos + length > text.size()) {
    ++pos;
    return kReplacementCharacter;
  }
  for (std::size_t idx = 1; idx < length; ++idx) {
    const unsigned char next = byte(pos + idx);
    if ((next & 0xC0) != 0x80) {
      ++pos;
      return kReplacementCharacter;
    }
    value = (value << 6) | (next & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    ++pos;
    return kReplacementCharacter;
  }
  pos += length;
  return value;
}

inline void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The longest prefix of `text` holding at most `max_code_points` code points, never cut inside one.
inline std::string_view utf8_prefix(std::string_view text, std::size_t max_code_points) {
  std::size_t pos = 0;
  for (std::size_t count = 0; count < max_code_points && pos < text.size(); ++count) decode_utf8(text, pos);
  return text.substr(0, pos);
}

}  // namespace matchmaker::text
