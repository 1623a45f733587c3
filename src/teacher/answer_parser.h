// Strict parsing of what an LLM teacher replied to a select or pairwise prompt (see prompt.h). The
// reply is untrusted: only an answer that parses to exactly one valid choice is accepted; anything
// else is reported with the reason, and the caller treats it as no label (or asks again).
//
// Select replies, in order of preference:
//  1. A JSON object with an "answer" key: the whole reply, or found inside it (Markdown ```json fences,
//     prose before or after, a <think>...</think> block are all tolerated). "answer" may be "[n]",
//     "n" or the integer n; a string holding more text counts only if it holds exactly one bracketed
//     number ("Candidate [3]"). Several top-level objects, or a repeated "answer" key, must agree, or
//     the reply is kAmbiguous. Once a JSON object is present the answer must come from its "answer"
//     key: bracketed numbers in an explanation are never read as the answer.
//  2. No JSON object: the bare number ("3"), or plain text holding exactly one distinct bracketed
//     number ("The answer is [3]."; "[3] ... [3]" is fine, "[2] or [3]" is kAmbiguous).
//  n = 0 is kNone; 1..num_candidates is kOk; anything else (11 of 10, negative) is kOutOfRange.
//  When no answer is found at all, a refusal ("I'm sorry, but ...", "I cannot help ...") is
//  kRefusal, everything else kMalformed. A refusal phrase next to a valid answer does not matter.
// "confidence" (JSON number or numeric string) is kept only when it is in [0, 1]; a missing, non-numeric
// or out-of-range confidence (e.g. 85 meaning percent) becomes NaN and the answer is still accepted:
// confidence is advisory, the choice is the label. "explanation" is kept when it is a string, cut to
// kMaxExplanationBytes at a UTF-8 boundary.
//
// Pairwise replies: a JSON object with "match" true/false (or the strings "true"/"false"/"yes"/"no");
// without JSON, a reply whose first word is yes/no/true/false, or that holds "match: yes"-style labels
// that agree. Statuses as for select, without kNone / kOutOfRange.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace matchmaker::teacher {

enum class SelectParseStatus {
  kOk,          // a candidate was chosen
  kNone,        // "[0]": none of the candidates matches (a valid answer, a label)
  kMalformed,   // no answer found
  kOutOfRange,  // a number that names no candidate
  kAmbiguous,   // several different answers
  kRefusal,     // the model declined
};

enum class PairwiseParseStatus {
  kOk,
  kMalformed,
  kAmbiguous,
  kRefusal,
};

const char* to_string(SelectParseStatus status);
const char* to_string(PairwiseParseStatus status);

inline constexpr std::size_t kMaxExplanationBytes = 2000;

struct SelectParse {
  SelectParseStatus status = SelectParseStatus::kMalformed;
  int chosen = -1;  // 0-based candidate index when kOk; -1 otherwise
  float confidence = std::numeric_limits<float>::quiet_NaN();  // in [0, 1], or NaN
  std::string explanation;
  // kOk and kNone are labels; every other status is not.
  bool accepted() const { return status == SelectParseStatus::kOk || status == SelectParseStatus::kNone; }
};

struct PairwiseParse {
  PairwiseParseStatus status = PairwiseParseStatus::kMalformed;
  bool match = false;  // meaningful only when kOk
  float confidence = std::numeric_limits<float>::quiet_NaN();
  std::string explanation;
  bool accepted() const { return status == PairwiseParseStatus::kOk; }
};

SelectParse parse_select_answer(std::string_view content, std::size_t num_candidates);
PairwiseParse parse_pairwise_answer(std::string_view content);

}  // namespace matchmaker::teacher
