#include "text/strings.h"

#include <filesystem>

namespace matchmaker::text {

std::string ascii_lowercase(std::string_view text) {
  std::string lower(text);
  for (char& character : lower) {
    if (character >= 'A' && character <= 'Z') character = static_cast<char>(character - 'A' + 'a');
  }
  return lower;
}

std::string lower_extension(const std::string& path) {
  return ascii_lowercase(std::filesystem::path(path).extension().string());
}

}  // namespace matchmaker::text
