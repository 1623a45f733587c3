// Data-driven tests of the similarity functions: every tests/cases/similarity/*.case file is read at run time,
// so adding a case needs no compiling and no CMake change.
//
// Format, one case a line, fields separated by '|':
//   function|argument...|expected
// Blank lines and lines starting with '#' are ignored. Fields are taken verbatim (spaces included); escapes:
// "\|" a pipe, "\\" a backslash, "\t", "\n", "\xHH" one raw byte (for invalid UTF-8), "\u{HHHH}" a code point
// (for invisible characters). Functions:
//   jaro_winkler|a|b|score              levenshtein_distance|a|b|count     levenshtein_ratio|a|b|score
//   monge_elkan|tokens|tokens|score     (tokens separated by single spaces; an empty field has no tokens)
//   jaccard_sorted|ids|ids|score        intersection_size_sorted|ids|ids|count   (ids: "1,2,3")
//   parse_number|text|value or none     relative_difference|x|y|score
// A score is compared to half a unit in its last quoted decimal ("0.9611" allows 0.00005; "1" must be exact), so
// values quoted from the literature can be pasted as printed. A parse_number value must match exactly. Every
// two-argument function except relative_difference is also checked with its arguments swapped (all are symmetric).
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "features/similarity.h"
#include "text/utf8.h"

namespace matchmaker::features {
namespace {

namespace fs = std::filesystem;

// Found next to this source file rather than through MATCHMAKER_TEST_DATA_DIR, which is tests/data.
constexpr std::string_view kThisFile = __FILE__;
fs::path cases_dir() { return fs::path(kThisFile).parent_path() / ".." / ".." / "cases" / "similarity"; }

struct Case {
  std::string where;  // "file.case:12", for failure messages
  std::vector<std::string> fields;
};

std::optional<std::uint32_t> parse_hex(std::string_view hex) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  if (hex.empty() || error != std::errc() || end != hex.data() + hex.size()) return std::nullopt;
  return value;
}

// Splits a line into unescaped fields; an error message instead when an escape is malformed.
std::optional<std::vector<std::string>> split_fields(std::string_view line, std::string& error) {
  std::vector<std::string> fields(1);
  for (std::size_t pos = 0; pos < line.size(); ++pos) {
    const char c = line[pos];
    if (c == '|') {
      fields.emplace_back();
      continue;
    }
    if (c != '\\') {
      fields.back().push_back(c);
      continue;
    }
    if (++pos == line.size()) {
      error = "line ends in a lone backslash";
      return std::nullopt;
    }
    switch (line[pos]) {
      case '|': fields.back().push_back('|'); break;
      case '\\': fields.back().push_back('\\'); break;
      case 't': fields.back().push_back('\t'); break;
      case 'n': fields.back().push_back('\n'); break;
      case 'x': {
        const auto byte = pos + 2 < line.size() ? parse_hex(line.substr(pos + 1, 2)) : std::nullopt;
        if (!byte) {
          error = "\\x needs two hex digits";
          return std::nullopt;
        }
        fields.back().push_back(static_cast<char>(*byte));
        pos += 2;
        break;
      }
      case 'u': {
        const std::size_t close = line.find('}', pos);
        const auto cp = pos + 1 < line.size() && line[pos + 1] == '{' && close != std::string_view::npos
                            ? parse_hex(line.substr(pos + 2, close - pos - 2))
                            : std::nullopt;
        if (!cp || *cp > 0x10FFFF) {
          error = "\\u needs {HEX} with a code point";
          return std::nullopt;
        }
        text::append_utf8(static_cast<char32_t>(*cp), fields.back());
        pos = close;
        break;
      }
      default: error = std::string("unknown escape \\") + line[pos]; return std::nullopt;
    }
  }
  return fields;
}

std::vector<std::string_view> split_tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    tokens.push_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return tokens;
}

std::optional<double> parse_double(std::string_view text) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::vector<std::uint32_t>> parse_ids(std::string_view text) {
  std::vector<std::uint32_t> ids;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    std::uint32_t id = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || error != std::errc() || end != item.data() + item.size()) return std::nullopt;
    ids.push_back(id);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return ids;
}

// Half a unit in the last decimal the expected value quotes.
double tolerance_of(std::string_view expected) {
  const std::size_t dot = expected.find('.');
  if (dot == std::string_view::npos) return 0.0;
  return 0.5 * std::pow(10.0, -static_cast<double>(expected.size() - dot - 1));
}

std::vector<Case> load_cases(std::vector<std::string>& errors) {
  std::vector<Case> cases;
  const fs::path dir = cases_dir();
  std::error_code error;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".case") files.push_back(entry.path());
  }
  if (error) errors.push_back("cannot list " + dir.string() + ": " + error.message());
  std::sort(files.begin(), files.end());  // stable order in failure output
  for (const fs::path& file : files) {
    std::ifstream in(file);
    std::string line;
    std::size_t line_number = 0;
    std::size_t file_cases = 0;
    while (std::getline(in, line)) {
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line.front() == '#') continue;
      const std::string where = file.filename().string() + ":" + std::to_string(line_number);
      std::string message;
      auto fields = split_fields(line, message);
      if (!fields) {
        errors.push_back(where + ": " + message);
        continue;
      }
      cases.push_back({where, std::move(*fields)});
      ++file_cases;
    }
    if (file_cases == 0) errors.push_back(file.filename().string() + ": no cases");
  }
  return cases;
}

// Checks one case; returns a failure message, or nothing when it passes.
std::optional<std::string> run_case(const std::vector<std::string>& f) {
  const std::string& function = f[0];
  const auto arity_error = [&](std::size_t arguments) -> std::optional<std::string> {
    if (f.size() == arguments + 2) return std::nullopt;
    return function + " takes " + std::to_string(arguments) + " arguments and an expected value, got " +
           std::to_string(f.size()) + " fields";
  };
  const auto check_score = [&](double actual, double swapped) -> std::optional<std::string> {
    const auto expected = parse_double(f.back());
    if (!expected) return "expected value '" + f.back() + "' is not a number";
    if (std::fabs(actual - *expected) > tolerance_of(f.back())) {
      return "got " + std::to_string(actual) + ", expected " + f.back();
    }
    if (actual != swapped) return "not symmetric: swapped arguments give " + std::to_string(swapped);
    return std::nullopt;
  };

  if (function == "jaro_winkler" || function == "levenshtein_ratio" || function == "levenshtein_distance") {
    if (auto e = arity_error(2)) return e;
    if (function == "jaro_winkler") return check_score(jaro_winkler(f[1], f[2]), jaro_winkler(f[2], f[1]));
    if (function == "levenshtein_ratio") return check_score(levenshtein_ratio(f[1], f[2]), levenshtein_ratio(f[2], f[1]));
    return check_score(static_cast<double>(levenshtein_distance(f[1], f[2])),
                       static_cast<double>(levenshtein_distance(f[2], f[1])));
  }
  if (function == "monge_elkan") {
    if (auto e = arity_error(2)) return e;
    const auto a = split_tokens(f[1]);
    const auto b = split_tokens(f[2]);
    return check_score(monge_elkan(a, b), monge_elkan(b, a));
  }
  if (function == "jaccard_sorted" || function == "intersection_size_sorted") {
    if (auto e = arity_error(2)) return e;
    const auto a = parse_ids(f[1]);
    const auto b = parse_ids(f[2]);
    if (!a || !b) return std::string("ids must be comma-separated unsigned integers");
    if (!std::is_sorted(a->begin(), a->end()) || !std::is_sorted(b->begin(), b->end())) {
      return std::string("ids must be sorted");
    }
    if (function == "jaccard_sorted") return check_score(jaccard_sorted(*a, *b), jaccard_sorted(*b, *a));
    return check_score(static_cast<double>(intersection_size_sorted(*a, *b)),
                       static_cast<double>(intersection_size_sorted(*b, *a)));
  }
  if (function == "relative_difference") {
    if (auto e = arity_error(2)) return e;
    const auto x = parse_double(f[1]);
    const auto y = parse_double(f[2]);
    if (!x || !y) return std::string("arguments must be numbers");
    const double actual = relative_difference(*x, *y);
    return check_score(actual, actual);
  }
  if (function == "parse_number") {
    if (auto e = arity_error(1)) return e;
    const std::optional<double> actual = parse_number(f[1]);
    if (f[2] == "none") {
      if (actual) return "got " + std::to_string(*actual) + ", expected none";
      return std::nullopt;
    }
    const auto expected = parse_double(f[2]);
    if (!expected) return "expected value '" + f[2] + "' is neither a number nor none";
    if (!actual) return "got none, expected " + f[2];
    if (*actual != *expected) return "got " + std::to_string(*actual) + ", expected " + f[2];
    return std::nullopt;
  }
  return "unknown function '" + function + "'";
}

TEST(SimilarityCasesTest, AllCaseFiles) {
  std::vector<std::string> errors;
  const std::vector<Case> cases = load_cases(errors);
  for (const std::string& error : errors) ADD_FAILURE() << error;
  ASSERT_FALSE(cases.empty()) << "no cases found in " << cases_dir();
  for (const Case& c : cases) {
    if (const auto failure = run_case(c.fields)) ADD_FAILURE() << c.where << ": " << *failure;
  }
  std::cout << "[          ] " << cases.size() << " similarity cases from " << cases_dir().lexically_normal() << "\n";
}

}  // namespace
}  // namespace matchmaker::features
