// Unicode normalisation of record text: the one place that decides what "the same text" means.
#pragma once

#include <string>
#include <string_view>

namespace matchmaker::text {

// Version of the normalisation rules; stored with anything derived from normalised text.
inline constexpr const char* kNormalizerName = "nfkc_casefold_v1";

// True when `bytes` is well-formed UTF-8.
bool is_valid_utf8(std::string_view bytes);

// NFKC + Unicode case folding + accent stripping (utf8proc), then every run of characters that
// is neither a letter, a digit nor one of the code joiners "-/." becomes one space; leading and
// trailing spaces removed. "  Sony  DMP-BD60, Blu‑ray!" -> "sony dmp-bd60 blu-ray".
// Invalid UTF-8 bytes are dropped (readers reject such input before this is called).
std::string normalize(std::string_view raw);

}  // namespace matchmaker::text
