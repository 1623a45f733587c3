#include "teacher/answer_parser.h"
#include "text/strings.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace matchmaker::teacher {

namespace {

// Answers are parsed into variables named `text`, which would hide the namespace.
using text::trim;

using nlohmann::json;

// Numbers beyond this are all "out of range"; saturating keeps "[99999999999999999999]" from overflowing.
constexpr std::int64_t kHugeNumber = 1'000'000'000'000;
// How many '{' are tried as the start of a JSON object: replies hold one or two; the bound keeps a
// reply made of thousands of braces from costing quadratic time.
constexpr std::size_t kMaxObjectStarts = 32;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Reasoning models put their deliberation in <think>...</think>; it may name several candidates and
// is not the answer. Some chat templates put the opening tag in the prompt, so a lone "</think>"
// also ends the reasoning; an unclosed "<think>" means the reply is all reasoning.
std::string strip_reasoning(std::string_view content) {
  static constexpr std::string_view kOpen = "<think>";
  static constexpr std::string_view kClose = "</think>";
  const std::size_t first_open = content.find(kOpen);
  const std::size_t first_close = content.find(kClose);
  if (first_close != std::string_view::npos && (first_open == std::string_view::npos || first_close < first_open)) {
    content.remove_prefix(first_close + kClose.size());
  }
  std::string out;
  for (std::size_t pos = 0; pos < content.size();) {
    const std::size_t open = content.find(kOpen, pos);
    if (open == std::string_view::npos) {
      out.append(content.substr(pos));
      break;
    }
    out.append(content.substr(pos, open - pos));
    const std::size_t close = content.find(kClose, open + kOpen.size());
    if (close == std::string_view::npos) break;
    pos = close + kClose.size();
  }
  return out;
}

// The reply without surrounding whitespace and Markdown code fences (```json ... ```).
std::string_view strip_fences(std::string_view text) {
  text = trim(text);
  if (text.substr(0, 3) == "```") {
    const std::size_t line_end = text.find('\n');
    text = line_end == std::string_view::npos ? text.substr(3) : text.substr(line_end + 1);
    const std::size_t fence = text.rfind("```");
    if (fence != std::string_view::npos) text = text.substr(0, fence);
  }
  return trim(text);
}

// Index of the '}' that closes the '{' at `start`, skipping braces inside JSON strings; npos if none.
std::size_t matching_brace(std::string_view text, std::size_t start) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t pos = start; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (in_string) {
      if (c == '\\') {
        ++pos;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return pos;
    }
  }
  return std::string_view::npos;
}

struct FoundObject {
  json object;
  std::vector<json> key_values;  // every value given to the watched key at the top level, duplicates included
};

// Every top-level JSON object in the reply, in order. nlohmann keeps only one value of a repeated
// key, so the parser callback records them all: {"answer": "[1]", "answer": "[2]"} must not pass as "[2]".
std::vector<FoundObject> find_objects(std::string_view text, const std::string& watched_key) {
  std::vector<FoundObject> found;
  std::size_t pos = 0;
  for (std::size_t attempts = 0; attempts < kMaxObjectStarts; ++attempts) {
    const std::size_t start = text.find('{', pos);
    if (start == std::string_view::npos) break;
    const std::size_t end = matching_brace(text, start);
    if (end == std::string_view::npos) {
      pos = start + 1;
      continue;
    }
    FoundObject candidate;
    bool watching = false;
    const json::parser_callback_t record = [&](int depth, json::parse_event_t event, json& parsed) {
      if (depth == 1 && event == json::parse_event_t::key) watching = parsed == watched_key;
      if (depth == 1 && event == json::parse_event_t::value && watching) candidate.key_values.push_back(parsed);
      if (depth == 1 && (event == json::parse_event_t::object_end || event == json::parse_event_t::array_end) &&
          watching) {
        candidate.key_values.push_back(parsed);  // a nested value ends at depth 1 too
      }
      return true;
    };
    candidate.object = json::parse(text.substr(start, end - start + 1), record, /*allow_exceptions=*/false);
    if (candidate.object.is_object()) {
      found.push_back(std::move(candidate));
      pos = end + 1;
    } else {
      pos = start + 1;
    }
  }
  return found;
}

// Saturating decimal: "007" -> 7, twenty digits -> kHugeNumber.
std::int64_t parse_digits(std::string_view digits) {
  std::int64_t value = 0;
  for (const char c : digits) {
    value = value * 10 + (c - '0');
    if (value >= kHugeNumber) return kHugeNumber;
  }
  return value;
}

// "n" or "-n" alone.
std::optional<std::int64_t> parse_integer(std::string_view text) {
  text = trim(text);
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  for (const char c : text) {
    if (!is_digit(c)) return std::nullopt;
  }
  const std::int64_t value = parse_digits(text);
  return negative ? -value : value;
}

// Every distinct bracketed integer in the text ("[3]", "[ 3 ]", "[-1]"), in order of appearance.
std::vector<std::int64_t> bracketed_numbers(std::string_view text) {
  std::vector<std::int64_t> numbers;
  for (std::size_t pos = text.find('['); pos != std::string_view::npos; pos = text.find('[', pos + 1)) {
    std::size_t at = pos + 1;
    while (at < text.size() && text[at] == ' ') ++at;
    const bool negative = at < text.size() && text[at] == '-';
    if (negative) ++at;
    const std::size_t digits_start = at;
    while (at < text.size() && is_digit(text[at])) ++at;
    if (at == digits_start) continue;
    const std::size_t digits_end = at;
    while (at < text.size() && text[at] == ' ') ++at;
    if (at >= text.size() || text[at] != ']') continue;
    std::int64_t value = parse_digits(text.substr(digits_start, digits_end - digits_start));
    if (negative) value = -value;
    bool seen = false;
    for (const std::int64_t number : numbers) seen = seen || number == value;
    if (!seen) numbers.push_back(value);
  }
  return numbers;
}

// What one "answer" value says.
struct Choice {
  enum class Kind { kNumber, kAmbiguous, kMalformed } kind = Kind::kMalformed;
  std::int64_t number = 0;
};

Choice choice_from_text(std::string_view text) {
  if (const auto number = parse_integer(text)) return {Choice::Kind::kNumber, *number};
  const std::vector<std::int64_t> numbers = bracketed_numbers(text);
  if (numbers.size() == 1) return {Choice::Kind::kNumber, numbers.front()};
  if (numbers.size() > 1) return {Choice::Kind::kAmbiguous, 0};
  return {};
}

Choice choice_from_json(const json& value) {
  if (value.is_number_unsigned()) {
    const auto number = value.get<std::uint64_t>();
    return {Choice::Kind::kNumber, number >= static_cast<std::uint64_t>(kHugeNumber) ? kHugeNumber
                                                                                    : static_cast<std::int64_t>(number)};
  }
  if (value.is_number_integer()) return {Choice::Kind::kNumber, std::max(value.get<std::int64_t>(), -kHugeNumber)};
  if (value.is_number_float()) {
    // 3.0 names candidate 3 as clearly as 3 does; 2.5 names none.
    const double number = value.get<double>();
    if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) < static_cast<double>(kHugeNumber)) {
      return {Choice::Kind::kNumber, static_cast<std::int64_t>(number)};
    }
    return {};
  }
  if (value.is_string()) return choice_from_text(value.get_ref<const std::string&>());
  return {};
}

// All values must name the same number; any disagreement is ambiguity, any unreadable value malformed.
Choice combine(const std::vector<Choice>& choices) {
  Choice result;
  bool have_number = false;
  bool malformed = choices.empty();
  for (const Choice& choice : choices) {
    if (choice.kind == Choice::Kind::kAmbiguous) return choice;
    if (choice.kind == Choice::Kind::kMalformed) {
      malformed = true;
    } else if (!have_number) {
      result = choice;
      have_number = true;
    } else if (choice.number != result.number) {
      return {Choice::Kind::kAmbiguous, 0};
    }
  }
  if (malformed) return {};
  return result;
}

float confidence_from_json(const json& object) {
  const auto field = object.find("confidence");
  constexpr float kAbsent = std::numeric_limits<float>::quiet_NaN();
  if (field == object.end()) return kAbsent;
  double value = 0.0;
  if (field->is_number()) {
    value = field->get<double>();
  } else if (field->is_string()) {
    const std::string_view text = trim(field->get_ref<const std::string&>());
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return kAbsent;
  } else {
    return kAbsent;
  }
  if (!std::isfinite(value) || value < 0.0 || value > 1.0) return kAbsent;
  return static_cast<float>(value);
}

std::string explanation_from_json(const json& object) {
  const auto field = object.find("explanation");
  if (field == object.end() || !field->is_string()) return {};
  std::string text = field->get<std::string>();  // valid UTF-8: nlohmann rejects anything else
  if (text.size() > kMaxExplanationBytes) {
    std::size_t cut = kMaxExplanationBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    text.resize(cut);
  }
  return text;
}

// Lower-case ASCII with typographic apostrophes made plain, for phrase search.
std::string fold_for_search(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    if (text.substr(pos, 3) == "\xE2\x80\x99") {  // U+2019 RIGHT SINGLE QUOTATION MARK
      out.push_back('\'');
      pos += 2;
    } else {
      out.push_back(lower(text[pos]));
    }
  }
  return out;
}

bool is_refusal(std::string_view text) {
  static constexpr std::array<std::string_view, 16> kPhrases = {
      "i cannot help",   "i can't help",     "i can not help",  "i cannot assist", "i can't assist",
      "i'm sorry, but",  "i am sorry, but",  "i'm sorry but",   "i am sorry but",  "i'm unable to",
      "i am unable to",  "i cannot comply",  "i can't comply",  "i won't be able", "as an ai language model",
      "i must decline"};
  const std::string folded = fold_for_search(text);
  for (const std::string_view phrase : kPhrases) {
    if (folded.find(phrase) != std::string::npos) return true;
  }
  return false;
}

// A pairwise verdict word: yes/true -> true, no/false -> false.
std::optional<bool> verdict_from_word(std::string_view word) {
  std::string folded;
  for (const char c : trim(word)) folded.push_back(lower(c));
  if (folded == "yes" || folded == "true") return true;
  if (folded == "no" || folded == "false") return false;
  return std::nullopt;
}

// The run of letters starting at `pos` after skipping spaces, quotes and Markdown emphasis.
std::string_view next_word(std::string_view text, std::size_t pos) {
  while (pos < text.size() && (is_space(text[pos]) || text[pos] == '"' || text[pos] == '\'' || text[pos] == '*' ||
                               text[pos] == '`' || text[pos] == '_')) {
    ++pos;
  }
  std::size_t end = pos;
  while (end < text.size() && is_letter(text[end])) ++end;
  return text.substr(pos, end - pos);
}

}  // namespace

const char* to_string(SelectParseStatus status) {
  switch (status) {
    case SelectParseStatus::kOk: return "ok";
    case SelectParseStatus::kNone: return "none";
    case SelectParseStatus::kMalformed: return "malformed";
    case SelectParseStatus::kOutOfRange: return "out of range";
    case SelectParseStatus::kAmbiguous: return "ambiguous";
    case SelectParseStatus::kRefusal: return "refusal";
  }
  return "unknown";
}

const char* to_string(PairwiseParseStatus status) {
  switch (status) {
    case PairwiseParseStatus::kOk: return "ok";
    case PairwiseParseStatus::kMalformed: return "malformed";
    case PairwiseParseStatus::kAmbiguous: return "ambiguous";
    case PairwiseParseStatus::kRefusal: return "refusal";
  }
  return "unknown";
}

SelectParse parse_select_answer(std::string_view content, std::size_t num_candidates) {
  SelectParse result;
  const std::string text = strip_reasoning(content);
  const std::vector<FoundObject> objects = find_objects(text, "answer");

  Choice choice;
  if (!objects.empty()) {
    // A JSON reply: the answer comes from "answer" keys only.
    std::vector<Choice> choices;
    const json* first = nullptr;
    for (const FoundObject& found : objects) {
      if (!found.object.contains("answer")) continue;
      if (first == nullptr) first = &found.object;
      for (const json& value : found.key_values) choices.push_back(choice_from_json(value));
    }
    choice = combine(choices);
    if (first != nullptr) {
      result.confidence = confidence_from_json(*first);
      result.explanation = explanation_from_json(*first);
    }
  } else {
    choice = choice_from_text(strip_fences(text));
  }

  switch (choice.kind) {
    case Choice::Kind::kAmbiguous:
      result.status = SelectParseStatus::kAmbiguous;
      break;
    case Choice::Kind::kMalformed:
      result.status = is_refusal(text) ? SelectParseStatus::kRefusal : SelectParseStatus::kMalformed;
      break;
    case Choice::Kind::kNumber:
      if (choice.number == 0) {
        result.status = SelectParseStatus::kNone;
      } else if (choice.number > 0 && static_cast<std::uint64_t>(choice.number) <= num_candidates) {
        result.status = SelectParseStatus::kOk;
        result.chosen = static_cast<int>(choice.number - 1);
      } else {
        result.status = SelectParseStatus::kOutOfRange;
      }
      break;
  }
  return result;
}

PairwiseParse parse_pairwise_answer(std::string_view content) {
  PairwiseParse result;
  const std::string text = strip_reasoning(content);
  const std::vector<FoundObject> objects = find_objects(text, "match");

  std::vector<std::optional<bool>> verdicts;  // nullopt: a value that is no verdict
  if (!objects.empty()) {
    const json* first = nullptr;
    for (const FoundObject& found : objects) {
      if (!found.object.contains("match")) continue;
      if (first == nullptr) first = &found.object;
      for (const json& value : found.key_values) {
        if (value.is_boolean()) {
          verdicts.push_back(value.get<bool>());
        } else if (value.is_string()) {
          verdicts.push_back(verdict_from_word(value.get_ref<const std::string&>()));
        } else {
          verdicts.emplace_back(std::nullopt);
        }
      }
    }
    if (first != nullptr) {
      result.confidence = confidence_from_json(*first);
      result.explanation = explanation_from_json(*first);
    }
  } else {
    // Plain text: the first word, and any "match: yes" / "answer: no" labels.
    const std::string_view body = strip_fences(text);
    if (const auto verdict = verdict_from_word(next_word(body, 0))) verdicts.push_back(verdict);
    const std::string folded = fold_for_search(body);
    for (const std::string_view label : {std::string_view("match"), std::string_view("answer")}) {
      for (std::size_t pos = folded.find(label); pos != std::string::npos; pos = folded.find(label, pos + 1)) {
        std::size_t at = pos + label.size();
        while (at < folded.size() && (folded[at] == '"' || folded[at] == '*' || folded[at] == ' ')) ++at;
        if (at >= folded.size() || folded[at] != ':') continue;
        if (const auto verdict = verdict_from_word(next_word(folded, at + 1))) verdicts.push_back(verdict);
      }
    }
  }

  bool malformed = verdicts.empty();
  std::optional<bool> agreed;
  for (const auto& verdict : verdicts) {
    if (!verdict) {
      malformed = true;
    } else if (!agreed) {
      agreed = verdict;
    } else if (*agreed != *verdict) {
      result.status = PairwiseParseStatus::kAmbiguous;
      return result;
    }
  }
  if (malformed || !agreed) {
    result.status = is_refusal(text) ? PairwiseParseStatus::kRefusal : PairwiseParseStatus::kMalformed;
    return result;
  }
  result.status = PairwiseParseStatus::kOk;
  result.match = *agreed;
  return result;
}

}  // namespace matchmaker::teacher
