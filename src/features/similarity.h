// String and number similarity functions. Every function returns a value in [0, 1] (1 = equal)
// unless stated otherwise, is deterministic, thread-safe, and allocates no memory per call after a
// thread's first calls (scratch buffers are thread_local). Strings are UTF-8 and compared by code point
// (each invalid byte counts as one U+FFFD).
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>
#include <cstdint>

namespace matchmaker::features {

// Jaro-Winkler similarity (match window max(length)/2 - 1, transpositions = half the out-of-order matches,
// rounded down as in Winkler's strcmp95; prefix scale 0.1, prefix up to 4). The prefix boost is always
// applied (no 0.7 threshold). Both empty -> 1, one empty -> 0.
// Bit-parallel over b's character positions: O(|a| * ceil(|b| / 64)), same results as the window scan.
double jaro_winkler(std::string_view a, std::string_view b);

// 1 - levenshtein_distance / max(length). Both empty -> 1.
double levenshtein_ratio(std::string_view a, std::string_view b);

// Levenshtein edit distance in code points. Myers' bit-parallel algorithm: O(n * ceil(m / 64)) for
// lengths n >= m after the shared prefix and suffix are removed.
std::size_t levenshtein_distance(std::string_view a, std::string_view b);

// Monge-Elkan: mean over tokens of `a` of the best Jaro-Winkler against tokens of `b`; symmetrised
// as the mean of both directions (each token pair is scored once, so the result is symmetric).
// Both empty -> 1, one empty -> 0. Each token is decoded once per call; pairs that cannot change a
// maximum (their row and column already hold an equal token) are not scored.
double monge_elkan(std::span<const std::string_view> a, std::span<const std::string_view> b);

// Jaccard of two sorted, duplicate-free id lists. Both empty -> 0 (nothing in common is no evidence).
double jaccard_sorted(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b);

// Size of the intersection of two sorted, duplicate-free id lists.
std::size_t intersection_size_sorted(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b);

// First decimal number in the text ("$1,299.00" -> 1299, "1.5 kg" -> 1.5, "-3" -> -3, "-$3" -> -3), or
// nothing. A comma is a thousands separator only when followed by exactly three digits; a '-' right
// after a letter or digit is a joiner, not a sign ("dmp-60" -> 60). Meant for raw text: normalize()
// turns "$1,299.00" into "1 299.00" and drops the sign of "-3".
std::optional<double> parse_number(std::string_view text);

// The numbers written inside word tokens (see text::word_tokens), as views into them: each run of
// digits, with a decimal part when a '.' joins two digits, leading zeros and trailing fractional zeros
// trimmed ("v8.0" -> "8", "bd60" -> "60", "007" -> "7", "7.20" -> "7.2", "000" -> "0"). Deduplicated,
// in order of first appearance; `out` is cleared first.
void numbers_in_tokens(std::span<const std::string_view> tokens, std::vector<std::string_view>& out);

// Numbers one side writes that the other does not, counted on the side with fewer such numbers: 0 when
// every number of one side appears on the other ("logic express 6" against "t9164ll/a logic express 6"),
// 1 for "acid pro 6" against "acid pro 5". Edition, version and volume numbers that disagree.
std::size_t unmatched_numbers(std::span<const std::string_view> a, std::span<const std::string_view> b);

// |a - b| / max(|a|, |b|), clamped to [0, 1] (opposite signs give up to 2); 0 when both are 0,
// 1 when the difference is not a number (infinities, NaN).
double relative_difference(double a, double b);

}  // namespace matchmaker::features
