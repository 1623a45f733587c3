// Small string helpers shared by the readers, the teacher's parsers and the jobs: one way to trim, to
// lowercase ASCII and to read a file name's extension.
#pragma once

#include <string>
#include <string_view>

namespace matchmaker::text {

inline constexpr std::string_view kWhitespace = " \t\r\n\f\v";

// `text` without its leading and trailing characters from `strip`.
inline std::string_view trim(std::string_view text, std::string_view strip = kWhitespace) {
  const std::size_t begin = text.find_first_not_of(strip);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(strip) - begin + 1);
}

// A-Z to a-z, every other byte as it is (UTF-8 stays valid): for keywords, names of formats and
// columns, not for record text (text::normalize folds that).
std::string ascii_lowercase(std::string_view text);

// A file name's extension with its dot, ASCII-lowercased (".csv" for "a.CSV"; "" without one), so that
// formats are recognised whatever the case.
std::string lower_extension(const std::string& path);

}  // namespace matchmaker::text
