// Deterministic mutations of a valid input (bytes changed, inserted, deleted, repeated, cut), for tests
// that feed a reader or parser thousands of damaged variants of real-shaped input and check that each
// is either read or refused with a clear error: never a crash, a hang or another exception.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <random>
#include <string>
#include <string_view>

#include "matchmaker/error.h"
#include "unit/io/temp_dir.h"

namespace matchmaker::testing {

class InputMutator {
 public:
  explicit InputMutator(std::uint32_t seed) : random_(seed) {}

  // `valid` with 1 to 8 random edits. The inserted pieces are the ones parsers trip on: quotes,
  // delimiters, line breaks, NUL, invalid and truncated UTF-8, brackets, huge numbers, long runs.
  std::string mutate(std::string_view valid) {
    static constexpr std::string_view kPieces[] = {
        "\"",   ",",   "\n",    "\r\n",  "\r",    "\"\"",  std::string_view("\0", 1), "\xff", "\xc3", "\xe2\x82\xac",
        "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\t", "{", "}", "[", "]", ":", "\\", "\\u", "-1", "0",
        "1e309", "nan", "99999999999999999999999999", " ", "null", "[0]", "[11]", "```json"};
    std::string data(valid);
    const int edits = pick({1, 1, 2, 3, 8});
    for (int edit = 0; edit < edits; ++edit) {
      const std::string_view piece = kPieces[below(std::size(kPieces))];
      if (data.empty()) {
        data += piece;
        continue;
      }
      const std::size_t at = below(data.size());
      switch (below(6)) {
        case 0: data[at] = static_cast<char>(below(256)); break;
        case 1: data.insert(at, piece); break;
        case 2: data.erase(at, 1 + below(50)); break;
        case 3: data.insert(at, data.substr(below(data.size()), 1 + below(200))); break;
        case 4: data.resize(at); break;
        default: {
          std::string run;
          for (std::size_t count = 1 + below(2000); count > 0; --count) run += piece;
          data.insert(at, run);
        }
      }
    }
    return data;
  }

 private:
  std::size_t below(std::size_t bound) { return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_); }
  int pick(std::initializer_list<int> values) { return values.begin()[below(values.size())]; }

  std::mt19937 random_;
};

// Feeds `variants` mutations of `valid`, written to dir/name, to `read(path)`. Each must be read or
// refused with an InputError that names that file (or, with `whole_folder`, a file of the folder: a
// damaged entity list can make a valid triples file name an unknown id); any other exception fails.
// Both outcomes must occur, so the mutations neither always break the input nor never reach the parser.
inline void expect_read_or_refused(const io::testing::TempDir& dir, const std::string& name, const std::string& valid,
                                   const std::function<void(const std::string&)>& read, int variants = 400,
                                   bool whole_folder = false) {
  InputMutator mutator(20261204);
  int read_ok = 0, refused = 0;
  for (int variant = 0; variant < variants; ++variant) {
    const std::string path = dir.write(name, mutator.mutate(valid));
    try {
      read(path);
      ++read_ok;
    } catch (const InputError& error) {
      const std::string message = error.what();
      const std::string named = whole_folder ? dir.path().string() + "/" : path;
      EXPECT_EQ(message.rfind(named, 0), 0u) << name << " variant " << variant << ": " << message;
      ++refused;
    } catch (const std::exception& error) {
      ADD_FAILURE() << name << " variant " << variant << ": not an InputError: " << error.what();
    }
  }
  EXPECT_GT(read_ok, 0) << name;
  EXPECT_GT(refused, 0) << name;
}

}  // namespace matchmaker::testing
