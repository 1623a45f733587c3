// Errors that end a job. Expected failures inside a stage use return values; these exceptions carry
// a message meant for the user and decide the process exit status.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace matchmaker {

// Bad input from the user: a file, a field, an option. The CLI prints what() on one line and exits 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}

  // "FILE:LINE: problem" (LINE is 1-based; 0 means the whole file).
  static InputError At(const std::string& file, std::size_t line, const std::string& problem) {
    if (line == 0) return InputError(file + ": " + problem);
    return InputError(file + ":" + std::to_string(line) + ": " + problem);
  }
};

// A failure of the environment (disk full, library error). The CLI exits 1.
class RuntimeFailure : public std::runtime_error {
 public:
  explicit RuntimeFailure(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace matchmaker
