// Splitting normalised text into the units that candidates and features compare.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace matchmaker::text {

// Word tokens of normalised text (see normalize()): split on spaces, then on the joiners "-/."
// except where they sit between two digits ("1.5", "33-1/3" stay whole). Views point into `normalized`.
// "sony dmp-bd60 blu-ray 1.5 kg" -> {"sony","dmp","bd60","blu","ray","1.5","kg"}. `out` is cleared first.
void word_tokens(std::string_view normalized, std::vector<std::string_view>& out);

// Model codes: a space-separated chunk of normalised text that, with its joiners "-/." removed, is at
// least 4 characters long and holds both a letter and a digit ("dmp-bd60" -> "dmpbd60",
// "ezxs55w" -> "ezxs55w"); also such word tokens of at least 4 characters. Deduplicated, in order of
// first appearance. Pure numbers and plain words are not codes. `out` is cleared first.
void model_codes(std::string_view normalized, std::vector<std::string>& out);

// Character q-grams over the normalised text with one space of padding at each end, on code points
// (a q-gram of non-ASCII text is a valid UTF-8 substring). "abc", q=3 -> {" ab","abc","bc "}.
// Text shorter than q code points (after padding) gives one gram: the padded text itself; empty text
// gives none.
// Views point into `padded`, which the function fills. `out` is cleared first.
void char_qgrams(std::string_view normalized, int q, std::string& padded, std::vector<std::string_view>& out);

}  // namespace matchmaker::text
