// Unicode normalisation of record text: the one place that decides what "the same text" means.
#pragma once

#include <string>
#include <string_view>

namespace matchmaker::text {

// Version of the normalisation rules; stored with anything derived from normalised text.
inline constexpr const char* kNormalizerName = "nfkc_casefold_v1";

// True when `bytes` is well-formed UTF-8.
bool is_valid_utf8(std::string_view bytes);
// Appended to an "invalid UTF-8" message: most such files are Windows-1252 / Latin-1 exports.
inline constexpr const char* kReencodeHint = "; matchmaker reads UTF-8: re-encode the file, e.g. iconv -f WINDOWS-1252 -t UTF-8";

// NFKC + Unicode case folding + accent stripping (utf8proc; default-ignorable characters such as
// soft hyphens and zero-width spaces are removed, as NFKC_Casefold does), then every run of
// characters that is neither a letter, a digit nor a code joiner "-/." becomes one space; leading
// and trailing spaces removed. A joiner is kept only between two letters/digits ("a - b" -> "a b");
// Unicode dashes and the minus sign count as "-", the fraction and division slashes as "/".
// Apostrophes and commas separate: "O'Brien" -> "o brien", "$1,299.00" -> "1 299.00" (so parse
// numbers from the raw text). "  Sony  DMP-BD60, Blu‑ray!" -> "sony dmp-bd60 blu-ray".
// Pure ASCII input skips utf8proc (same result, lower-casing only).
// Invalid UTF-8 bytes are dropped (readers reject such input before this is called).
std::string normalize(std::string_view raw);


}  // namespace matchmaker::text
