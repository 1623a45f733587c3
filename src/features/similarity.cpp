#include "features/similarity.h"

#include <utf8proc.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace matchmaker::features {
namespace {

constexpr double kWinklerPrefixScale = 0.1;
constexpr std::size_t kWinklerMaxPrefix = 4;
constexpr char32_t kReplacementCharacter = 0xFFFD;

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

// Decodes UTF-8 into `out` (reused, so no allocation once it is large enough). Each byte that does not start a
// well-formed sequence becomes one U+FFFD: the functions stay total, and two differently broken strings still
// differ by their valid parts.
void decode_utf8(std::string_view s, std::vector<char32_t>& out) {
  out.clear();
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  std::size_t pos = 0;
  while (pos < s.size()) {
    if (bytes[pos] < 0x80) {
      out.push_back(bytes[pos++]);
      continue;
    }
    utf8proc_int32_t cp = -1;
    const auto len = utf8proc_iterate(bytes + pos, static_cast<utf8proc_ssize_t>(s.size() - pos), &cp);
    if (len > 0 && cp >= 0) {
      out.push_back(static_cast<char32_t>(cp));
      pos += static_cast<std::size_t>(len);
    } else {
      out.push_back(kReplacementCharacter);
      ++pos;
    }
  }
}

// Calls `fn(a, b)` with both strings as contiguous sequences of code points: the bytes themselves when both are
// ASCII (the common case, no decoding), otherwise the strings decoded into thread_local scratch buffers.
template <typename Fn>
auto with_code_points(std::string_view a, std::string_view b, Fn&& fn) {
  if (is_ascii(a) && is_ascii(b)) return fn(a, b);
  thread_local std::vector<char32_t> a_code_points;
  thread_local std::vector<char32_t> b_code_points;
  decode_utf8(a, a_code_points);
  decode_utf8(b, b_code_points);
  return fn(std::u32string_view(a_code_points.data(), a_code_points.size()),
            std::u32string_view(b_code_points.data(), b_code_points.size()));
}

template <typename View>
double jaro_winkler_impl(View a, View b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;

  // Characters match when equal and no further apart than half the longer length, minus one.
  const std::size_t half = std::max(a.size(), b.size()) / 2;
  const std::size_t window = half > 0 ? half - 1 : 0;
  thread_local std::vector<unsigned char> a_matched;
  thread_local std::vector<unsigned char> b_matched;
  a_matched.assign(a.size(), 0);
  b_matched.assign(b.size(), 0);

  std::size_t matches = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t lo = i > window ? i - window : 0;
    const std::size_t hi = std::min(i + window + 1, b.size());
    for (std::size_t j = lo; j < hi; ++j) {
      if (b_matched[j] || a[i] != b[j]) continue;
      a_matched[i] = 1;
      b_matched[j] = 1;
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0.0;

  // Matched characters taken in order from each string; positions where they differ are half-transpositions.
  std::size_t half_transpositions = 0;
  for (std::size_t i = 0, j = 0; i < a.size(); ++i) {
    if (!a_matched[i]) continue;
    while (!b_matched[j]) ++j;
    if (a[i] != b[j]) ++half_transpositions;
    ++j;
  }
  // Integer halving, as in Winkler's reference implementation (strcmp95).
  const std::size_t transpositions = half_transpositions / 2;

  const double m = static_cast<double>(matches);
  const double jaro = (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) +
                       (m - static_cast<double>(transpositions)) / m) /
                      3.0;

  std::size_t prefix = 0;
  const std::size_t max_prefix = std::min({kWinklerMaxPrefix, a.size(), b.size()});
  while (prefix < max_prefix && a[prefix] == b[prefix]) ++prefix;
  return jaro + static_cast<double>(prefix) * kWinklerPrefixScale * (1.0 - jaro);
}

template <typename View>
std::size_t levenshtein_impl(View a, View b) {
  // A shared prefix or suffix never costs an edit; trimming it shrinks the quadratic part.
  while (!a.empty() && !b.empty() && a.front() == b.front()) {
    a.remove_prefix(1);
    b.remove_prefix(1);
  }
  while (!a.empty() && !b.empty() && a.back() == b.back()) {
    a.remove_suffix(1);
    b.remove_suffix(1);
  }
  if (a.size() < b.size()) std::swap(a, b);  // rows over the shorter string
  if (b.empty()) return a.size();

  thread_local std::vector<std::size_t> previous;
  thread_local std::vector<std::size_t> current;
  previous.resize(b.size() + 1);
  current.resize(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 0; i < a.size(); ++i) {
    current[0] = i + 1;
    for (std::size_t j = 0; j < b.size(); ++j) {
      const std::size_t substitution = previous[j] + (a[i] == b[j] ? 0 : 1);
      const std::size_t deletion = previous[j + 1] + 1;
      const std::size_t insertion = current[j] + 1;
      current[j + 1] = std::min({substitution, deletion, insertion});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
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
  // One pass over the |a| x |b| scores gives both directions: row maxima for a -> b, column maxima for b -> a.
  // Scoring each pair once, always as jaro_winkler(a_i, b_j), also makes the result exactly symmetric.
  thread_local std::vector<double> column_best;
  column_best.assign(b.size(), 0.0);
  double a_to_b = 0.0;
  for (const std::string_view token_a : a) {
    double row_best = 0.0;
    for (std::size_t j = 0; j < b.size(); ++j) {
      const double score = jaro_winkler(token_a, b[j]);
      row_best = std::max(row_best, score);
      column_best[j] = std::max(column_best[j], score);
    }
    a_to_b += row_best;
  }
  double b_to_a = 0.0;
  for (const double best : column_best) b_to_a += best;
  return 0.5 * (a_to_b / static_cast<double>(a.size()) + b_to_a / static_cast<double>(b.size()));
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
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common;
      ++i;
      ++j;
    }
  }
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

double relative_difference(double a, double b) {
  const double scale = std::max(std::fabs(a), std::fabs(b));
  if (scale == 0.0) return 0.0;
  const double difference = std::fabs(a - b) / scale;
  // Opposite signs give up to 2, and infinities or NaN give NaN: both are as different as numbers get.
  return difference <= 1.0 ? difference : 1.0;
}

}  // namespace matchmaker::features
