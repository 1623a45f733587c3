#include "text/normalize.h"

#include <utf8proc.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace matchmaker::text {
namespace {

// NFKC_Casefold (the name in kNormalizerName) plus accent stripping. UTF8PROC_IGNORE drops default-ignorable
// code points (soft hyphen, zero-width space/joiners) so that they do not split a word in two.
constexpr utf8proc_option_t kUtf8procOptions = static_cast<utf8proc_option_t>(
    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE | UTF8PROC_STABLE);

// What the separator rule sees of a character.
enum class Kind : std::uint8_t { kAlnum, kJoiner, kOther };

// Length of the well-formed UTF-8 sequence starting at bytes[pos], or 0 when there is none (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence).
std::size_t utf8_sequence_length(std::string_view bytes, std::size_t pos) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[pos + k]); };
  const auto in = [](unsigned char b, unsigned char lo, unsigned char hi) { return b >= lo && b <= hi; };
  const std::size_t left = bytes.size() - pos;
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (in(lead, 0xC2, 0xDF)) return left >= 2 && in(byte(1), 0x80, 0xBF) ? 2 : 0;
  if (in(lead, 0xE0, 0xEF)) {
    if (left < 3) return 0;
    // E0 needs A0.. to rule out overlong forms; ED needs ..9F to rule out surrogates.
    const unsigned char lo = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = lead == 0xED ? 0x9F : 0xBF;
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(lead, 0xF0, 0xF4)) {
    if (left < 4) return 0;
    // F0 needs 90.. to rule out overlong forms; F4 needs ..8F to stay at or below U+10FFFF.
    const unsigned char lo = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = lead == 0xF4 ? 0x8F : 0xBF;
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;  // continuation byte, C0/C1 (always overlong) or F5..FF
}

// Index of the first non-ASCII byte, or bytes.size(). Eight bytes at a time: this runs on every record.
std::size_t ascii_prefix_length(std::string_view bytes) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  std::size_t pos = 0;
  for (; pos + 8 <= bytes.size(); pos += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + pos, 8);
    if (word & kHighBits) break;
  }
  while (pos < bytes.size() && static_cast<unsigned char>(bytes[pos]) < 0x80) ++pos;
  return pos;
}

constexpr bool is_ascii_alnum(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
constexpr bool is_joiner(char32_t c) { return c == '-' || c == '/' || c == '.'; }

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr Kind ascii_kind(char c) {
  if (is_ascii_alnum(static_cast<unsigned char>(c))) return Kind::kAlnum;
  return is_joiner(static_cast<unsigned char>(c)) ? Kind::kJoiner : Kind::kOther;
}

// Kind of a normalised code point; `joiner` receives the ASCII joiner it stands for. Unicode dashes (U+2010
// hyphen, which NFKC makes of the non-breaking hyphen U+2011, en dash...) and the minus sign count as '-',
// the fraction and division slashes as '/', so "Blu‑ray" and "½" ("1⁄2" after NFKC) keep their joiners.
Kind code_point_kind(char32_t c, char& joiner) {
  if (c < 0x80) {
    joiner = static_cast<char>(c);
    return ascii_kind(static_cast<char>(c));
  }
  if (c == 0x2212) {
    joiner = '-';
    return Kind::kJoiner;
  }
  if (c == 0x2044 || c == 0x2215) {
    joiner = '/';
    return Kind::kJoiner;
  }
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return Kind::kAlnum;
    case UTF8PROC_CATEGORY_PD:
      joiner = '-';
      return Kind::kJoiner;
    default:
      return Kind::kOther;
  }
}

// The separator rule, one character at a time: letters and digits are copied, a joiner survives only between
// two letters/digits, anything else becomes (at most) one space, and no space leads or trails.
class SeparatorWriter {
 public:
  explicit SeparatorWriter(std::string& out) : out_(out) {}

  void alnum_ascii(char c) {
    flush_space();
    out_.push_back(c);
  }
  void alnum_code_point(char32_t c) {
    flush_space();
    utf8proc_uint8_t buf[4];
    const auto len = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
    out_.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
  }
  // `kept` when both neighbours are letters/digits; a joiner that is not kept separates like any other character.
  void joiner(char c, bool kept) {
    if (kept) {
      out_.push_back(c);  // the previous character was alnum, so no space is pending
    } else {
      pending_space_ = true;
    }
  }
  void other() { pending_space_ = true; }

 private:
  void flush_space() {
    if (pending_space_ && !out_.empty()) out_.push_back(' ');
    pending_space_ = false;
  }

  std::string& out_;
  bool pending_space_ = false;
};

// Per-byte class and lower-case form for the ASCII fast path, built once at compile time.
struct AsciiTable {
  Kind kind[128];
  char lower[128];
};

constexpr AsciiTable make_ascii_table() {
  AsciiTable table{};
  for (int c = 0; c < 128; ++c) {
    table.kind[c] = ascii_kind(static_cast<char>(c));
    table.lower[c] = ascii_lower(static_cast<char>(c));
  }
  return table;
}

constexpr AsciiTable kAsciiTable = make_ascii_table();

// For ASCII, NFKC and the mark/ignorable stripping are the identity and case folding is lower-casing, so this
// gives byte-for-byte what the utf8proc path would, without decoding. The output is never longer than the input
// (a space stands for at least one separator), so it is written through a pointer into a presized string.
void normalize_ascii(std::string_view raw, std::string& out) {
  out.resize(raw.size());
  char* const begin = out.data();
  char* dst = begin;
  bool pending_space = false;
  Kind prev = Kind::kOther;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    const Kind cur = kAsciiTable.kind[c];
    if (cur == Kind::kAlnum) {
      if (pending_space && dst != begin) *dst++ = ' ';
      pending_space = false;
      *dst++ = kAsciiTable.lower[c];
    } else if (cur == Kind::kJoiner && prev == Kind::kAlnum && i + 1 < raw.size() &&
               kAsciiTable.kind[static_cast<unsigned char>(raw[i + 1])] == Kind::kAlnum) {
      *dst++ = raw[i];  // the previous character was alnum, so no space is pending
    } else {
      pending_space = true;
    }
    prev = cur;
  }
  out.resize(static_cast<std::size_t>(dst - begin));
}

void normalize_unicode(std::string_view raw, std::string& out) {
  // Scratch buffers reused across calls: normalisation runs on millions of fields.
  thread_local std::string valid;
  thread_local std::vector<utf8proc_int32_t> code_points;

  // utf8proc rejects a whole string over one bad byte; the contract is to drop the bad bytes instead.
  if (!is_valid_utf8(raw)) {
    valid.clear();
    for (std::size_t pos = 0; pos < raw.size();) {
      const std::size_t len = utf8_sequence_length(raw, pos);
      if (len == 0) {
        ++pos;
        continue;
      }
      valid.append(raw.substr(pos, len));
      pos += len;
    }
    raw = valid;
  }

  // Decomposition rarely grows text much; retry once with the exact size utf8proc asks for when it does.
  if (code_points.size() < raw.size() + 16) code_points.resize(raw.size() + 16);
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(raw.data());
  const auto raw_len = static_cast<utf8proc_ssize_t>(raw.size());
  auto count = utf8proc_decompose(bytes, raw_len, code_points.data(), static_cast<utf8proc_ssize_t>(code_points.size()),
                                  kUtf8procOptions);
  if (count > static_cast<utf8proc_ssize_t>(code_points.size())) {
    code_points.resize(static_cast<std::size_t>(count));
    count = utf8proc_decompose(bytes, raw_len, code_points.data(), count, kUtf8procOptions);
  }
  if (count > 0) count = utf8proc_normalize_utf32(code_points.data(), count, kUtf8procOptions);  // recompose
  if (count <= 0) return;  // empty, or an error utf8proc cannot hit on valid UTF-8 (kept total anyway)

  const auto n = static_cast<std::size_t>(count);
  out.reserve(raw.size());
  SeparatorWriter writer(out);
  char cur_joiner = 0;
  char next_joiner = 0;
  Kind prev = Kind::kOther;
  Kind cur = code_point_kind(static_cast<char32_t>(code_points[0]), cur_joiner);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<char32_t>(code_points[i]);
    const Kind next = i + 1 < n ? code_point_kind(static_cast<char32_t>(code_points[i + 1]), next_joiner) : Kind::kOther;
    switch (cur) {
      case Kind::kAlnum:
        if (c < 0x80) {
          writer.alnum_ascii(ascii_lower(static_cast<char>(c)));
        } else {
          writer.alnum_code_point(c);
        }
        break;
      case Kind::kJoiner: writer.joiner(cur_joiner, prev == Kind::kAlnum && next == Kind::kAlnum); break;
      case Kind::kOther: writer.other(); break;
    }
    prev = cur;
    cur = next;
    cur_joiner = next_joiner;
  }
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t pos = ascii_prefix_length(bytes); pos < bytes.size();) {
    const std::size_t len = utf8_sequence_length(bytes, pos);
    if (len == 0) return false;
    pos += len;
    // Back on ASCII: skip the rest of the run quickly.
    if (pos < bytes.size() && static_cast<unsigned char>(bytes[pos]) < 0x80) pos += ascii_prefix_length(bytes.substr(pos));
  }
  return true;
}

std::string normalize(std::string_view raw) {
  std::string out;
  if (ascii_prefix_length(raw) == raw.size()) {
    normalize_ascii(raw, out);
  } else {
    normalize_unicode(raw, out);
  }
  return out;
}

}  // namespace matchmaker::text
