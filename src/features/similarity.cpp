#include "features/similarity.h"

#include "text/sparse_rows.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace matchmaker::features {
namespace {

constexpr double kWinklerPrefixScale = 0.1;
constexpr std::size_t kWinklerMaxPrefix = 4;
constexpr char32_t kReplacementCharacter = 0xFFFD;
constexpr std::size_t kWordBits = 64;

bool is_ascii(std::string_view s) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  std::size_t pos = 0;
  for (; pos + 8 <= s.size(); pos += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + pos, 8);
    if (word & kHighBits) return false;
  }
  for (; pos < s.size(); ++pos) {
    if (static_cast<unsigned char>(s[pos]) >= 0x80) return false;
  }
  return true;
}

bool is_continuation_byte(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// The well-formed UTF-8 sequence (Unicode Table 3-7) at the start of `bytes`, `available` > 0 of them: its length,
// and its code point in `code_point`; or 0 when the bytes there are not one. Accepts exactly what utf8proc_iterate
// accepts (no overlong forms, surrogates or code points above U+10FFFF; checked on every 1-4 byte sequence), but
// can be inlined: a library call per character was a large part of comparing short non-ASCII strings.
std::size_t decode_one(const unsigned char* bytes, std::size_t available, char32_t& code_point) {
  const unsigned lead = bytes[0];
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  if (lead < 0xC2 || lead > 0xF4) return 0;  // a continuation byte, or a lead byte of overlong or too large forms
  if (lead < 0xE0) {
    if (available < 2 || !is_continuation_byte(bytes[1])) return 0;
    code_point = ((lead & 0x1F) << 6) | (bytes[1] & 0x3F);
    return 2;
  }
  if (lead < 0xF0) {
    if (available < 3 || !is_continuation_byte(bytes[1]) || !is_continuation_byte(bytes[2])) return 0;
    if (lead == 0xE0 && bytes[1] < 0xA0) return 0;  // overlong
    if (lead == 0xED && bytes[1] > 0x9F) return 0;  // UTF-16 surrogate
    code_point = ((lead & 0x0F) << 12) | ((bytes[1] & 0x3F) << 6) | (bytes[2] & 0x3F);
    return 3;
  }
  if (available < 4 || !is_continuation_byte(bytes[1]) || !is_continuation_byte(bytes[2]) ||
      !is_continuation_byte(bytes[3])) {
    return 0;
  }
  if (lead == 0xF0 && bytes[1] < 0x90) return 0;  // overlong
  if (lead == 0xF4 && bytes[1] > 0x8F) return 0;  // above U+10FFFF
  code_point = ((lead & 0x07) << 18) | ((bytes[1] & 0x3F) << 12) | ((bytes[2] & 0x3F) << 6) | (bytes[3] & 0x3F);
  return 4;
}

// Appends the code points of UTF-8 `s` to `out` (reused, so no allocation once it is large enough). Each byte that
// does not start a well-formed sequence becomes one U+FFFD: the functions stay total, and two differently broken
// strings still differ by their valid parts.
void append_code_points(std::string_view s, std::vector<char32_t>& out) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t pos = 0;
  while (pos < s.size()) {
    char32_t code_point = 0;
    const std::size_t length = decode_one(bytes + pos, s.size() - pos, code_point);
    out.push_back(length > 0 ? code_point : kReplacementCharacter);
    pos += length > 0 ? length : 1;
  }
}

// Calls `fn(a, b)` with both strings as contiguous sequences of code points: the bytes themselves when both are
// ASCII (the common case, no decoding), otherwise the strings decoded into thread_local scratch buffers.
template <typename Fn>
auto with_code_points(std::string_view a, std::string_view b, Fn&& fn) {
  if (is_ascii(a) && is_ascii(b)) return fn(a, b);
  thread_local std::vector<char32_t> a_code_points;
  thread_local std::vector<char32_t> b_code_points;
  a_code_points.clear();
  b_code_points.clear();
  append_code_points(a, a_code_points);
  append_code_points(b, b_code_points);
  return fn(std::u32string_view(a_code_points.data(), a_code_points.size()),
            std::u32string_view(b_code_points.data(), b_code_points.size()));
}

// Bits [0, n) set, for n in [0, 64].
constexpr std::uint64_t low_bits(std::size_t n) {
  return n >= kWordBits ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

// A byte of ASCII text or a decoded code point, as a code point.
constexpr char32_t code_point_of(char c) { return static_cast<unsigned char>(c); }
constexpr char32_t code_point_of(char32_t c) { return c; }

constexpr std::uint64_t lowest_bit(std::uint64_t x) { return x & (~x + 1); }

// Where each character occurs in a pattern string, as bit masks: bit k of row(c) is set when pattern[k] == c, spread
// over words() 64-bit words (bit k in word k / 64). The bit-parallel Levenshtein and Jaro-Winkler below replace a
// loop over the pattern by a few word operations on these masks.
//
// Code points below 256 (all of ASCII) index a direct table, so the common lookup is one load. Other code points
// get their rows through a small open-addressing table sized to the pattern; characters absent from the pattern
// share row 0 of that table, which stays all zeros. build() fills the tables and clear() zeroes the direct rows
// build() touched: the direct table is all zeros between uses, so a short pattern costs O(its length), not
// O(table size), and there is no allocation once the buffers have grown to the longest pattern seen.
// One instance per thread and use (thread_local); build(p) ... clear(p) must not nest.
class PatternMasks {
 public:
  template <typename View>
  void build(View pattern) {
    words_ = (pattern.size() + kWordBits - 1) / kWordBits;
    // Growing zero-fills; a new words_ changes the layout, which is harmless because everything is zero.
    if (direct_.size() < kDirectRows * words_) direct_.resize(kDirectRows * words_);
    if constexpr (std::is_same_v<View, std::u32string_view>) reset_other_rows(pattern.size());
    for (std::size_t k = 0; k < pattern.size(); ++k) {
      row_to_fill(pattern[k])[k / kWordBits] |= std::uint64_t{1} << (k % kWordBits);
    }
  }

  template <typename View>
  void clear(View pattern) {
    if (words_ > 1) {
      // A pattern of over 64 characters would need as many row resets as one reset of the whole table costs.
      std::fill_n(direct_.data(), kDirectRows * words_, 0);
      return;
    }
    for (const auto c : pattern) {
      if (const char32_t code = code_point_of(c); code < kDirectRows) direct_[code] = 0;
    }
  }

  std::size_t words() const { return words_; }

  // row(c)[0] when words() == 1, without scaling the row index by the row width.
  std::uint64_t single_word(char c) const { return direct_[static_cast<unsigned char>(c)]; }
  std::uint64_t single_word(char32_t c) const { return c < kDirectRows ? direct_[c] : other_rows_[find_other(c)]; }

  const std::uint64_t* row(char c) const { return direct_.data() + static_cast<unsigned char>(c) * words_; }
  const std::uint64_t* row(char32_t c) const {
    if (c < kDirectRows) return direct_.data() + c * words_;
    return other_rows_.data() + find_other(c) * words_;
  }

 private:
  static constexpr std::size_t kDirectRows = 256;

  struct Slot {
    char32_t code_point = 0;
    std::uint32_t row = 0;  // 0: empty slot (row 0 is the shared all-zero row)
  };

  // Sizes the open-addressing table to at least twice the pattern length (so at most half full) and empties it.
  void reset_other_rows(std::size_t pattern_size) {
    const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(2 * pattern_size, 16));
    slot_shift_ = 64 - std::countr_zero(capacity);
    slots_.assign(capacity, Slot{});
    other_rows_.assign((pattern_size + 1) * words_, 0);  // row 0 and room for every character being new
    next_other_row_ = 1;
  }

  // Fibonacci hashing spreads runs of neighbouring code points (one script's letters) over the table.
  std::size_t slot_of(char32_t c) const {
    return static_cast<std::size_t>((std::uint64_t{c} * 0x9E3779B97F4A7C15ULL) >> slot_shift_);
  }

  std::size_t find_other(char32_t c) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t slot = slot_of(c);; slot = (slot + 1) & mask) {
      if (slots_[slot].row == 0 || slots_[slot].code_point == c) return slots_[slot].row;
    }
  }

  std::uint64_t* row_to_fill(char c) { return direct_.data() + static_cast<unsigned char>(c) * words_; }
  std::uint64_t* row_to_fill(char32_t c) {
    if (c < kDirectRows) return direct_.data() + c * words_;
    const std::size_t mask = slots_.size() - 1;
    std::size_t slot = slot_of(c);
    while (slots_[slot].row != 0 && slots_[slot].code_point != c) slot = (slot + 1) & mask;
    if (slots_[slot].row == 0) slots_[slot] = {c, next_other_row_++};
    return other_rows_.data() + slots_[slot].row * words_;
  }

  std::size_t words_ = 0;
  std::vector<std::uint64_t> direct_;      // kDirectRows rows of words_ words, all zero between uses
  std::vector<std::uint64_t> other_rows_;  // row 0 (all zero), then one row per other code point in the pattern
  std::vector<Slot> slots_;                // power-of-two size
  int slot_shift_ = 60;
  std::uint32_t next_other_row_ = 1;
};

template <typename View>
std::size_t common_prefix(View a, View b, std::size_t limit) {
  std::size_t prefix = 0;
  while (prefix < limit && a[prefix] == b[prefix]) ++prefix;
  return prefix;
}

// Characters match when equal and no further apart than half the longer length, minus one.
std::size_t jaro_window(std::size_t a_size, std::size_t b_size) {
  const std::size_t half = std::max(a_size, b_size) / 2;
  return half > 0 ? half - 1 : 0;
}

// The final formula, shared by every Jaro-Winkler path so that they round identically.
template <typename View>
double jaro_winkler_score(View a, View b, std::size_t matches, std::size_t half_transpositions) {
  // Integer halving, as in Winkler's reference implementation (strcmp95).
  const std::size_t transpositions = half_transpositions / 2;
  const double m = static_cast<double>(matches);
  const double jaro = (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) +
                       (m - static_cast<double>(transpositions)) / m) /
                      3.0;
  const std::size_t prefix = common_prefix(a, b, std::min({kWinklerMaxPrefix, a.size(), b.size()}));
  return jaro + static_cast<double>(prefix) * kWinklerPrefixScale * (1.0 - jaro);
}

// Jaro-Winkler of non-empty a and b, b at most 64 characters, given b's position masks.
//
// The matching is exactly the plain definition's: a pass over a in order, each a[i] taking the first b[j] that is
// equal, not yet taken and within the window. That b[j] is the lowest set bit of masks(a[i]) & window(i) & ~taken,
// so each a[i] costs a few word operations instead of a scan of the window.
template <typename View>
double jaro_winkler_one_word(View a, View b, const PatternMasks& b_masks) {
  const std::size_t window = jaro_window(a.size(), b.size());
  std::uint64_t b_taken = 0;
  std::array<typename View::value_type, kWordBits> a_matched;  // a's matched characters in order (at most |b|)
  std::size_t matches = 0;
  // Positions [i - window, i + window] of b, for i = 0. No need to cut it at b's end: masks have no bits there.
  std::uint64_t in_window = low_bits(window + 1);
  const std::size_t end = std::min(a.size(), b.size() + window);  // from there on the window is past b's end
  for (std::size_t i = 0; i < end; ++i) {
    const std::uint64_t candidates = b_masks.single_word(a[i]) & in_window & ~b_taken;
    // The next window: one further right, growing at its left end while that is still clipped at 0.
    in_window = i < window ? (in_window << 1) | 1 : in_window << 1;
    if (candidates == 0) continue;
    b_taken |= lowest_bit(candidates);
    a_matched[matches++] = a[i];
  }
  if (matches == 0) return 0.0;

  // Matched characters taken in order from each string; positions where they differ are half-transpositions.
  std::size_t half_transpositions = 0;
  for (std::size_t k = 0; k < matches; ++k, b_taken &= b_taken - 1) {
    if (a_matched[k] != b[static_cast<std::size_t>(std::countr_zero(b_taken))]) ++half_transpositions;
  }
  return jaro_winkler_score(a, b, matches, half_transpositions);
}

// As jaro_winkler_one_word, for b longer than 64 characters. `b_taken` and `in_window` have one word per 64
// characters of b, all zero on entry: std::arrays of two words passed by value (values cut to 100 characters), which
// the compiler unrolls and keeps in registers, or references to thread_local vectors for longer strings.
template <typename View, typename Words>
double jaro_winkler_blocks(View a, View b, const PatternMasks& b_masks, Words b_taken, Words in_window) {
  const std::size_t window = jaro_window(a.size(), b.size());
  const std::size_t words = b_taken.size();
  // a's matched characters in order. Held as char32_t even for bytes: a store through a char pointer may alias
  // anything, which would keep the compiler from holding b_taken and in_window in registers.
  thread_local std::vector<char32_t> a_matched_scratch;
  a_matched_scratch.resize(std::min(a.size(), b.size()));
  char32_t* const a_matched = a_matched_scratch.data();
  std::size_t matches = 0;

  // Positions [i - window, i + window] of b for i = 0, over all words.
  for (std::size_t w = 0; w < words && w * kWordBits <= window; ++w) {
    in_window[w] = low_bits(window + 1 - w * kWordBits);
  }
  const std::size_t end = std::min(a.size(), b.size() + window);  // from there on the window is past b's end
  for (std::size_t i = 0; i < end; ++i) {
    const std::uint64_t* row = b_masks.row(a[i]);
    for (std::size_t w = 0; w < words; ++w) {
      const std::uint64_t candidates = row[w] & in_window[w] & ~b_taken[w];
      if (candidates != 0) {
        b_taken[w] |= lowest_bit(candidates);
        a_matched[matches++] = code_point_of(a[i]);
        break;
      }
    }
    // The next window: the bit vector shifted up by one, growing at its left end while that is clipped at 0.
    for (std::size_t w = words; w-- > 1;) in_window[w] = (in_window[w] << 1) | (in_window[w - 1] >> (kWordBits - 1));
    in_window[0] = (in_window[0] << 1) | (i < window ? 1 : 0);
  }
  if (matches == 0) return 0.0;

  std::size_t half_transpositions = 0;
  std::size_t k = 0;
  for (std::size_t w = 0; w < words; ++w) {
    for (std::uint64_t bits = b_taken[w]; bits != 0; bits &= bits - 1, ++k) {
      const std::size_t j = w * kWordBits + static_cast<std::size_t>(std::countr_zero(bits));
      if (a_matched[k] != code_point_of(b[j])) ++half_transpositions;
    }
  }
  return jaro_winkler_score(a, b, matches, half_transpositions);
}

// Jaro-Winkler of a and b given b's position masks (built from b, or anything when b is empty).
template <typename View>
double jaro_winkler_with_masks(View a, View b, const PatternMasks& b_masks) {
  if (a.empty() || b.empty()) return a.empty() && b.empty() ? 1.0 : 0.0;
  if (b.size() <= kWordBits) return jaro_winkler_one_word(a, b, b_masks);
  if (b.size() <= 2 * kWordBits) {
    return jaro_winkler_blocks(a, b, b_masks, std::array<std::uint64_t, 2>{}, std::array<std::uint64_t, 2>{});
  }
  thread_local std::vector<std::uint64_t> b_taken;
  thread_local std::vector<std::uint64_t> in_window;
  b_taken.assign(b_masks.words(), 0);
  in_window.assign(b_masks.words(), 0);
  return jaro_winkler_blocks<View, std::vector<std::uint64_t>&>(a, b, b_masks, b_taken, in_window);
}

template <typename View>
double jaro_winkler_impl(View a, View b) {
  if (a.empty() || b.empty()) return a.empty() && b.empty() ? 1.0 : 0.0;
  thread_local PatternMasks b_masks;
  b_masks.build(b);
  const double score = jaro_winkler_with_masks(a, b, b_masks);
  b_masks.clear(b);
  return score;
}

// Levenshtein distance between `text` and a pattern of 1..64 characters whose masks are given, by Myers' bit-vector
// algorithm (Myers 1999, in Hyyrö's formulation for the global distance). The DP column over the pattern is held as
// its vertical differences between consecutive rows (+1 in vp, -1 in vn, else 0), one bit per pattern character, so
// one text character advances all rows of the column in about fifteen word operations. The distance is tracked at
// the last row through the horizontal differences there.
template <typename View>
std::size_t myers_one_word(View text, std::size_t pattern_size, const PatternMasks& masks) {
  std::uint64_t vp = ~std::uint64_t{0};  // first column: D[i][0] = i, every vertical step +1
  std::uint64_t vn = 0;
  std::size_t distance = pattern_size;
  const std::uint64_t last_row = std::uint64_t{1} << (pattern_size - 1);
  for (const auto c : text) {
    const std::uint64_t eq = masks.single_word(c);
    const std::uint64_t xv = eq | vn;
    const std::uint64_t xh = (((eq & vp) + vp) ^ vp) | eq;
    std::uint64_t hp = vn | ~(xh | vp);
    std::uint64_t hn = vp & xh;
    if (hp & last_row) ++distance;
    if (hn & last_row) --distance;
    // Row 0 is D[0][j] = j: its horizontal difference is always +1, shifted in at the bottom.
    hp = (hp << 1) | 1;
    hn <<= 1;
    vp = hn | ~(xv | hp);
    vn = hp & xv;
  }
  return distance;
}

// Myers' algorithm for patterns longer than 64 characters: the column is split into 64-row blocks, each block
// passing its horizontal difference at its last row (+1, -1 or 0) on to the next block as Myers' block version
// does. No carry of the addition needs to cross blocks: an incoming -1 is equivalent to a match at the block's
// first row. `vp` and `vn` hold one word per block, all ones and all zeros (the first column); a std::array for
// two blocks (values cut to 100 characters) lets the compiler unroll the block loop and keep them in registers.
template <typename View, typename Words>
std::size_t myers_blocks(View text, std::size_t pattern_size, const PatternMasks& masks, Words& vp, Words& vn) {
  const std::size_t words = vp.size();
  std::size_t distance = pattern_size;
  const std::uint64_t last_row = std::uint64_t{1} << ((pattern_size - 1) % kWordBits);
  constexpr std::uint64_t kTopBit = std::uint64_t{1} << (kWordBits - 1);
  for (const auto c : text) {
    const std::uint64_t* eq_row = masks.row(c);
    std::uint64_t hp_in = 1;  // row 0's horizontal difference
    std::uint64_t hn_in = 0;
    for (std::size_t w = 0; w < words; ++w) {
      const std::uint64_t eq = eq_row[w] | hn_in;
      const std::uint64_t xv = eq_row[w] | vn[w];
      const std::uint64_t xh = (((eq & vp[w]) + vp[w]) ^ vp[w]) | eq;
      std::uint64_t hp = vn[w] | ~(xh | vp[w]);
      std::uint64_t hn = vp[w] & xh;
      const std::uint64_t out_bit = w + 1 == words ? last_row : kTopBit;
      const std::uint64_t hp_out = (hp & out_bit) != 0;
      const std::uint64_t hn_out = (hn & out_bit) != 0;
      hp = (hp << 1) | hp_in;
      hn = (hn << 1) | hn_in;
      vp[w] = hn | ~(xv | hp);
      vn[w] = hp & xv;
      hp_in = hp_out;
      hn_in = hn_out;
    }
    distance = distance + hp_in - hn_in;  // the last block's outgoing difference is the one at the pattern's end
  }
  return distance;
}

template <typename View>
std::size_t levenshtein_impl(View a, View b) {
  // A shared prefix or suffix never costs an edit; trimming it shrinks the pattern.
  while (!a.empty() && !b.empty() && a.front() == b.front()) {
    a.remove_prefix(1);
    b.remove_prefix(1);
  }
  while (!a.empty() && !b.empty() && a.back() == b.back()) {
    a.remove_suffix(1);
    b.remove_suffix(1);
  }
  if (a.size() < b.size()) std::swap(a, b);  // the shorter string is the pattern: fewer words per column
  if (b.empty()) return a.size();

  thread_local PatternMasks b_masks;
  b_masks.build(b);
  std::size_t distance = 0;
  if (b.size() <= kWordBits) {
    distance = myers_one_word(a, b.size(), b_masks);
  } else if (b.size() <= 2 * kWordBits) {
    std::array<std::uint64_t, 2> vp{~std::uint64_t{0}, ~std::uint64_t{0}};
    std::array<std::uint64_t, 2> vn{0, 0};
    distance = myers_blocks(a, b.size(), b_masks, vp, vn);
  } else {
    thread_local std::vector<std::uint64_t> vp;
    thread_local std::vector<std::uint64_t> vn;
    vp.assign(b_masks.words(), ~std::uint64_t{0});
    vn.assign(b_masks.words(), 0);
    distance = myers_blocks(a, b.size(), b_masks, vp, vn);
  }
  b_masks.clear(b);
  return distance;
}

// Monge-Elkan over tokens already in code points (byte views when all are ASCII).
template <typename View>
double monge_elkan_impl(std::span<const View> a, std::span<const View> b) {
  // One pass over the |a| x |b| scores gives both directions: row maxima for a -> b, column maxima for b -> a.
  // Scoring each pair once, always as jaro_winkler(a_i, b_j), also makes the result exactly symmetric.
  thread_local std::vector<double> row_best;
  thread_local std::vector<double> column_best;
  row_best.assign(a.size(), 0.0);
  column_best.assign(b.size(), 0.0);

  // Equal tokens score exactly 1, the highest score: found first, they let the loop below skip every pair
  // whose row and column already have their maximum (most pairs of two near-identical titles).
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = 0; j < b.size(); ++j) {
      if (a[i] == b[j]) row_best[i] = column_best[j] = 1.0;
    }
  }

  // Column by column, so that each token of b has its position masks built once, not once per token of a.
  thread_local PatternMasks b_masks;
  for (std::size_t j = 0; j < b.size(); ++j) {
    const View token_b = b[j];
    b_masks.build(token_b);
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (row_best[i] == 1.0 && column_best[j] == 1.0) continue;
      const double score = jaro_winkler_with_masks(a[i], token_b, b_masks);
      row_best[i] = std::max(row_best[i], score);
      column_best[j] = std::max(column_best[j], score);
    }
    b_masks.clear(token_b);
  }

  // Summed in token order, as the scores are.
  double a_to_b = 0.0;
  for (const double best : row_best) a_to_b += best;
  double b_to_a = 0.0;
  for (const double best : column_best) b_to_a += best;
  return 0.5 * (a_to_b / static_cast<double>(a.size()) + b_to_a / static_cast<double>(b.size()));
}

// Views of the tokens' code points, decoded once per call into `code_points` (thread_local scratch of the caller).
void decode_tokens(std::span<const std::string_view> tokens, std::vector<char32_t>& code_points,
                   std::vector<std::size_t>& ends, std::vector<std::u32string_view>& views) {
  code_points.clear();
  ends.clear();
  for (const std::string_view token : tokens) {
    append_code_points(token, code_points);
    ends.push_back(code_points.size());
  }
  // Views are taken only now: appending may have moved the buffer.
  views.clear();
  std::size_t begin = 0;
  for (const std::size_t end : ends) {
    views.emplace_back(code_points.data() + begin, end - begin);
    begin = end;
  }
}

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_alnum(char c) { return is_ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Length of the currency symbol (Unicode category Sc: "$", "€", "£", "¥", ...) that ends text[0, end), or 0.
std::size_t currency_sign_before(std::string_view text, std::size_t end) {
  if (end == 0) return 0;
  std::size_t start = end - 1;
  while (start > 0 && end - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  utf8proc_int32_t cp = -1;
  const auto len = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + start),
                                    static_cast<utf8proc_ssize_t>(end - start), &cp);
  if (len != static_cast<utf8proc_ssize_t>(end - start) || cp < 0) return 0;
  return utf8proc_category(cp) == UTF8PROC_CATEGORY_SC ? end - start : 0;
}

}  // namespace


double jaro_winkler(std::string_view a, std::string_view b) {
  return with_code_points(a, b, [](auto x, auto y) { return jaro_winkler_impl(x, y); });
}

std::size_t levenshtein_distance(std::string_view a, std::string_view b) {
  return with_code_points(a, b, [](auto x, auto y) { return levenshtein_impl(x, y); });
}

double levenshtein_ratio(std::string_view a, std::string_view b) {
  return with_code_points(a, b, [](auto x, auto y) {
    const std::size_t longest = std::max(x.size(), y.size());
    if (longest == 0) return 1.0;
    return 1.0 - static_cast<double>(levenshtein_impl(x, y)) / static_cast<double>(longest);
  });
}

double monge_elkan(std::span<const std::string_view> a, std::span<const std::string_view> b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  const auto all_ascii = [](std::span<const std::string_view> tokens) {
    return std::all_of(tokens.begin(), tokens.end(), [](std::string_view token) { return is_ascii(token); });
  };
  if (all_ascii(a) && all_ascii(b)) return monge_elkan_impl(a, b);
  // Each token decoded once, not once per pair it is in.
  thread_local std::vector<char32_t> a_code_points, b_code_points;
  thread_local std::vector<std::size_t> a_ends, b_ends;
  thread_local std::vector<std::u32string_view> a_views, b_views;
  decode_tokens(a, a_code_points, a_ends, a_views);
  decode_tokens(b, b_code_points, b_ends, b_views);
  return monge_elkan_impl<std::u32string_view>(a_views, b_views);
}

std::size_t intersection_size_sorted(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b) {
  if (a.size() > b.size()) std::swap(a, b);
  std::size_t common = 0;
  // A short list against a much longer one (a rare token against a common one): binary-search the long list.
  constexpr std::size_t kGallopRatio = 16;
  if (a.size() * kGallopRatio < b.size()) {
    auto from = b.begin();
    for (const std::uint32_t id : a) {
      from = std::lower_bound(from, b.end(), id);
      if (from == b.end()) break;
      if (*from == id) ++common;
    }
    return common;
  }
  text::for_each_shared_term(a, b, [&common](std::size_t, std::size_t) { ++common; });
  return common;
}

double jaccard_sorted(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b) {
  if (a.empty() && b.empty()) return 0.0;
  const std::size_t common = intersection_size_sorted(a, b);
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

std::optional<double> parse_number(std::string_view text) {
  // The number starts at the first digit, or at a '.' directly before a digit when the '.' does not follow a
  // letter or digit (" .5" is 0.5, but "no.5" is 5).
  std::size_t start = 0;
  for (; start < text.size(); ++start) {
    if (is_ascii_digit(text[start])) break;
    if (text[start] == '.' && start + 1 < text.size() && is_ascii_digit(text[start + 1]) &&
        (start == 0 || !is_ascii_alnum(text[start - 1]))) {
      break;
    }
  }
  if (start == text.size()) return std::nullopt;

  thread_local std::string digits;  // the number without thousands separators, for from_chars
  digits.clear();

  // Negative when a '-' precedes it, possibly with a currency sign in between ("-3", "-$3", "$-3"), and that
  // '-' does not follow a letter or digit, where it is a joiner ("dmp-60" is 60, "33-1/3" is 33).
  std::size_t sign_end = start;
  if (const std::size_t currency = currency_sign_before(text, sign_end); currency > 0) sign_end -= currency;
  if (sign_end > 0 && text[sign_end - 1] == '-' && (sign_end == 1 || !is_ascii_alnum(text[sign_end - 2]))) {
    digits.push_back('-');
  }

  std::size_t pos = start;
  std::size_t group = 0;  // digits in the current group, to recognise thousands separators
  while (pos < text.size() && is_ascii_digit(text[pos])) {
    digits.push_back(text[pos++]);
    ++group;
    // "1,299": a comma is a thousands separator when at most three digits precede it (on the first group) and
    // exactly three follow it; otherwise it ends the number ("1,5" is 1, a list "3,4" starts with 3).
    const bool thousands_separator = pos + 3 < text.size() && text[pos] == ',' && group <= 3 &&
                                     is_ascii_digit(text[pos + 1]) && is_ascii_digit(text[pos + 2]) &&
                                     is_ascii_digit(text[pos + 3]) &&
                                     (pos + 4 == text.size() || !is_ascii_digit(text[pos + 4]));
    if (thousands_separator) {
      ++pos;
      group = 0;
    }
  }
  if (pos + 1 < text.size() && text[pos] == '.' && is_ascii_digit(text[pos + 1])) {
    digits.push_back('.');
    ++pos;
    while (pos < text.size() && is_ascii_digit(text[pos])) digits.push_back(text[pos++]);
  }

  double value = 0.0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error == std::errc::result_out_of_range) {
    // Without an exponent, out of range means a huge integer part (overflow) or a fraction too small to hold.
    const std::size_t integer_end = std::min(digits.find('.'), digits.size());
    const bool huge = digits.find_first_of("123456789") < integer_end;
    const double magnitude = huge ? HUGE_VAL : 0.0;
    return digits.front() == '-' ? -magnitude : magnitude;
  }
  if (error != std::errc()) return std::nullopt;
  return value;
}

void numbers_in_tokens(std::span<const std::string_view> tokens, std::vector<std::string_view>& out) {
  out.clear();
  for (const std::string_view token : tokens) {
    std::size_t pos = 0;
    while (pos < token.size()) {
      if (!is_ascii_digit(token[pos])) {
        ++pos;
        continue;
      }
      std::size_t begin = pos;
      while (pos < token.size() && is_ascii_digit(token[pos])) ++pos;
      std::size_t end = pos;
      if (pos + 1 < token.size() && token[pos] == '.' && is_ascii_digit(token[pos + 1])) {
        ++pos;
        while (pos < token.size() && is_ascii_digit(token[pos])) ++pos;
        end = pos;
        while (token[end - 1] == '0') --end;       // "7.20" -> "7.2", "8.0" -> "8."
        if (token[end - 1] == '.') --end;          // "8." -> "8"
      }
      while (end - begin > 1 && token[begin] == '0') ++begin;  // "007" -> "7"; "0.5" keeps its "0"
      if (token[begin] == '.') --begin;
      const std::string_view number = token.substr(begin, end - begin);
      if (std::find(out.begin(), out.end(), number) == out.end()) out.push_back(number);
    }
  }
}

std::size_t unmatched_numbers(std::span<const std::string_view> a, std::span<const std::string_view> b) {
  const auto missing_from = [](std::span<const std::string_view> from, std::span<const std::string_view> in) {
    std::size_t missing = 0;
    for (const std::string_view number : from) missing += std::find(in.begin(), in.end(), number) == in.end();
    return missing;
  };
  return std::min(missing_from(a, b), missing_from(b, a));
}

double relative_difference(double a, double b) {
  const double scale = std::max(std::fabs(a), std::fabs(b));
  if (scale == 0.0) return 0.0;
  const double difference = std::fabs(a - b) / scale;
  // Opposite signs give up to 2, and infinities or NaN give NaN: both are as different as numbers get.
  return difference <= 1.0 ? difference : 1.0;
}

}  // namespace matchmaker::features
