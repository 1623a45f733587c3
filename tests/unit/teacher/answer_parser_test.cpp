#include "teacher/answer_parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace matchmaker::teacher {
namespace {

SelectParse parse10(std::string_view content) { return parse_select_answer(content, 10); }

// The first 20 answers Qwen2.5-32B gave to DistillER's D2 (Abt-Buy) training prompts
// (../shared/data/er/distiller/teacher_responses/qwen_32/D2_responses.json), as the JSON object
// the prompt's schema asked for. Copied here so the tests need no external data.
struct Recorded {
  int query_id;
  std::size_t num_candidates;  // length of the prompt's candidate list
  int answer;                  // the recorded "[k]"
  const char* content;
};

const Recorded kRecorded[] = {
    {0, 10, 8,
     R"json({"answer": "[8]", "explanation": "The given entity record and candidate record [8] both refer to the Linksys EtherFast 8-Port 10/100 Switch with model number EZXS88W. Both records describe a switch that supports 10/100 speeds per port, has full duplex operation up to 200Mbps, and is designed for optimizing hardware on the same network.", "confidence": 1.0})json"},
    {4, 10, 9,
     R"json({"answer": "[9]", "explanation": "The given entity record describes a Netgear ProSafe JFS516 Ethernet Switch, which is a 16 Port 10/100 Rackmount Switch. The candidate record [9] matches this description as it also refers to the Netgear Prosafe 16 Port 10/100 Rackmount Switch with model number JFS516NA.", "confidence": 1.0})json"},
    {10, 9, 6,
     R"json({"answer": "[6]", "explanation": "The given entity record and candidate [6] both refer to a Linksys Gigabit 5-Port Workgroup Switch with the model EG005W. Both records mention similar features such as 10/100/1000Mbps ports, auto speed negotiation, and support for address learning and aging.", "confidence": 1.0})json"},
    {12, 3, 2,
     R"json({"answer": "[2]", "explanation": "The given entity record and candidate record [2] both refer to a Tripp Lite PowerVerter 375-Watt Ultra-Compact Inverter with similar specifications such as input voltage of 12V DC, output voltage of 120V AC, and power output of 375W. The other candidates are unrelated products.", "confidence": 1.0})json"},
    {13, 9, 6,
     R"json({"answer": "[6]", "explanation": "The given entity record describes a Netgear ProSafe GS105NA, which is a 5-port Gigabit Ethernet desktop switch. Among the candidates, only candidate [6] matches this description with its name and details about being a 5 Port Gigabit Ethernet Desktop Switch - GS105NA.", "confidence": 1.0})json"},
    {66, 7, 6,
     R"json({"answer": "[6]", "explanation": "The given entity record and candidate record [6] both refer to the same real-world entity, which is the Canon CB-2LV Battery Charger with the part number 9764A001. Both records also mention compatibility with the NB-4L rechargeable battery.", "confidence": 1.0})json"},
    {67, 6, 5,
     R"json({"answer": "[5]", "explanation": "The given entity record and candidate record [5] both refer to a Canon EF-S 17-85mm f/4-5.6 IS USM Standard Zoom Lens, as indicated by the matching model number (9517A002) and similar lens specifications.", "confidence": 1.0})json"},
    {78, 8, 2,
     R"json({"answer": "[2]", "explanation": "The given entity record and candidate record [2] both refer to the Plantronics Voyager 510 Bluetooth Headset, which indicates they are referring to the same real-world entity.", "confidence": 1.0})json"},
    {82, 1, 1,
     R"json({"answer": "[1]", "explanation": "The candidate record [1] refers to 'Kingdom Hearts II', which matches the name of the given entity record. The additional details in the candidate record provide more specific information about the game, such as its platform and features, but it still represents the same real-world entity.", "confidence": 1.0})json"},
    {93, 10, 6,
     R"json({"answer": "[6]", "explanation": "The given entity record describes a Netgear ProSafe switch with 24 ports and Gigabit Ethernet capability, which matches the description of candidate record [6]. Both records mention the same model (JGS524F) and features such as 24 Gigabit ports and SFP slots.", "confidence": 1.0})json"},
    {104, 5, 4,
     R"json({"answer": "[4]", "explanation": "The given entity record and candidate record [4] both refer to a Canon EF 70-300mm f/4-5.6 IS USM Telephoto Zoom Lens with the same model number (0345B002). The descriptions also match closely, indicating they are referring to the same real-world entity.", "confidence": 1.0})json"},
    {112, 5, 3,
     R"json({"answer": "[3]", "explanation": "The given entity record and candidate record [3] both refer to a Sony Memory Stick Duo Replacement Adaptor with the model number MSACM2. The descriptions indicate compatibility with Memory Stick Duo, which matches the given entity's description of being a Memory Stick Adapter for Memory Stick Duo.", "confidence": 1.0})json"},
    {114, 8, 7,
     R"json({"answer": "[7]", "explanation": "The given entity record is for a Linksys Wireless-G WUSB54GC Compact USB Adapter. The candidate record [7] matches this description as it refers to the 'Linksys Compact Wireless-G USB Adapter - WUSB54GC', which is the same product with additional details about its capabilities and compatibility.", "confidence": 1.0})json"},
    {125, 7, 3,
     R"json({"answer": "[3]", "explanation": "The given entity record is for a Canon battery charger with the part number 0763B001. Among the candidates, only candidate [3] matches this description and part number exactly.", "confidence": 1.0})json"},
    {129, 4, 3,
     R"json({"answer": "[3]", "explanation": "The given entity record describes a SONY COMPACT TRIPOD with model number VCTR100, which matches the details in candidate record [3]. Both records mention Sony Lightweight Tripod with the same model number (VCTR100), height range from 14' to 39', and black finish.", "confidence": 1.0})json"},
    {146, 6, 1,
     R"json({"answer": "[1]", "explanation": "The given entity record and candidate record [1] both refer to the Pioneer GEX-P920XM XM Digital Satellite Tuner, which is compatible with Pioneer headunits. The descriptions in both records mention similar features such as being an XM-ready digital satellite tuner for Pioneer headunits.", "confidence": 1.0})json"},
    {150, 4, 2,
     R"json({"answer": "[2]", "explanation": "The given entity record describes a speaker that is magnetically shielded and priced at $158.0. Among the candidates, only record [2] matches these criteria: it mentions Bose 161 Bookshelf Speakers which are also described as magnetically shielded and have the same price of $158.0.", "confidence": 1.0})json"},
    {154, 3, 0,
     R"json({"answer": "[0]", "explanation": "None of the candidate records match the given entity record. The given entity is an articulating dual-arm with vertical adjustment and a load capacity of 200 lbs, while the candidates are different models of TV wall arms with varying specifications.", "confidence": 1.0})json"},
    {178, 3, 1,
     R"json({"answer": "[1]", "explanation": "The candidate record [1] refers to 'Microsoft Office Standard 2007 - 02107746', which closely matches the given entity record 'Microsoft Office 2007 Standard - 021-07746'. The differences in formatting and spacing do not change the fact that they refer to the same product. Candidate records [2] and [3] describe different versions of Microsoft Office (Home And Student for Windows Vista, and Home And Student Edition for Mac) which are distinct from the given entity record.", "confidence": 1.0})json"},
    {210, 3, 2,
     R"json({"answer": "[2]", "explanation": "The given entity record matches with candidate record [2] because both have the exact same name 'KitchenAid Pasta Roller And Cutter - KPRA' and similar descriptions that include details about pasta rolling and cutting functions.", "confidence": 1.0})json"},
};

TEST(AnswerParserTest, RecordedQwen32AnswersParseToRecordedIndex) {
  for (const Recorded& recorded : kRecorded) {
    SCOPED_TRACE("query " + std::to_string(recorded.query_id));
    for (const std::string& content : {std::string(recorded.content),
                                       "```json\n" + std::string(recorded.content) + "\n```",
                                       "  \n" + std::string(recorded.content) + "\n"}) {
      const SelectParse parsed = parse_select_answer(content, recorded.num_candidates);
      if (recorded.answer == 0) {
        EXPECT_EQ(parsed.status, SelectParseStatus::kNone);
        EXPECT_EQ(parsed.chosen, -1);
      } else {
        EXPECT_EQ(parsed.status, SelectParseStatus::kOk);
        EXPECT_EQ(parsed.chosen, recorded.answer - 1);
      }
      EXPECT_TRUE(parsed.accepted());
      EXPECT_FLOAT_EQ(parsed.confidence, 1.0f);
      EXPECT_FALSE(parsed.explanation.empty());
    }
  }
}

TEST(AnswerParserTest, FencedJson) {
  const SelectParse parsed =
      parse10("```json\n{\"answer\": \"[4]\", \"explanation\": \"Same model DMC-FZ8.\", \"confidence\": 0.85}\n```");
  EXPECT_EQ(parsed.status, SelectParseStatus::kOk);
  EXPECT_EQ(parsed.chosen, 3);
  EXPECT_FLOAT_EQ(parsed.confidence, 0.85f);
  EXPECT_EQ(parsed.explanation, "Same model DMC-FZ8.");
}

TEST(AnswerParserTest, ProseAroundJson) {
  const SelectParse after = parse10(
      "{\"answer\": \"[2]\", \"explanation\": \"Both are the Bose 161 speakers.\", \"confidence\": 0.9}\n\n"
      "Note: candidates [5] and [7] are also Bose speakers but a different model {161 vs 201}.");
  EXPECT_EQ(after.status, SelectParseStatus::kOk);
  EXPECT_EQ(after.chosen, 1);
  const SelectParse before = parse10(
      "Looking at the model numbers, the match is clear.\n{\"answer\": \"[7]\", \"explanation\": \"x\"}");
  EXPECT_EQ(before.status, SelectParseStatus::kOk);
  EXPECT_EQ(before.chosen, 6);
  EXPECT_TRUE(std::isnan(before.confidence));  // absent
}

TEST(AnswerParserTest, NoneOfTheCandidates) {
  const SelectParse parsed =
      parse10(R"({"answer": "[0]", "explanation": "None of the candidates is a dual-arm mount.", "confidence": 0.8})");
  EXPECT_EQ(parsed.status, SelectParseStatus::kNone);
  EXPECT_EQ(parsed.chosen, -1);
  EXPECT_TRUE(parsed.accepted());
  EXPECT_EQ(parse10("[0]").status, SelectParseStatus::kNone);
  EXPECT_EQ(parse10(R"({"answer": 0})").status, SelectParseStatus::kNone);
}

TEST(AnswerParserTest, AnswerForms) {
  for (const char* content : {R"({"answer": 3})", R"({"answer": "3"})", R"({"answer": "[3]"})", R"({"answer": "[ 3 ]"})",
                              R"({"answer": 3.0})", R"({"answer": "Candidate [3]"})", "3", " [3] ", "```\n3\n```",
                              "The matching record is [3]. Candidate [3] shares the model number."}) {
    const SelectParse parsed = parse10(content);
    EXPECT_EQ(parsed.status, SelectParseStatus::kOk) << content;
    EXPECT_EQ(parsed.chosen, 2) << content;
  }
  for (const char* content : {R"({"answer": 2.5})", R"({"answer": null})", R"({"answer": true})", R"({"answer": ""})",
                              R"({"answer": "none"})", R"({"answer": ["[3]"]})", R"({"answer": {"n": 3}})", "three"}) {
    EXPECT_EQ(parse10(content).status, SelectParseStatus::kMalformed) << content;
  }
}

TEST(AnswerParserTest, OutOfRange) {
  const SelectParse eleven = parse10(R"({"answer": "[11]", "explanation": "x", "confidence": 1.0})");
  EXPECT_EQ(eleven.status, SelectParseStatus::kOutOfRange);
  EXPECT_EQ(eleven.chosen, -1);
  EXPECT_FALSE(eleven.accepted());
  EXPECT_EQ(parse_select_answer(R"({"answer": "[4]"})", 3).status, SelectParseStatus::kOutOfRange);
  EXPECT_EQ(parse_select_answer(R"({"answer": "[3]"})", 3).status, SelectParseStatus::kOk);
  EXPECT_EQ(parse10(R"({"answer": -1})").status, SelectParseStatus::kOutOfRange);
  EXPECT_EQ(parse10(R"({"answer": "[-1]"})").status, SelectParseStatus::kOutOfRange);
  EXPECT_EQ(parse10("[99999999999999999999999]").status, SelectParseStatus::kOutOfRange);
  EXPECT_EQ(parse10(R"({"answer": 18446744073709551615})").status, SelectParseStatus::kOutOfRange);
}

TEST(AnswerParserTest, Ambiguous) {
  EXPECT_EQ(parse10("[2] or [3]").status, SelectParseStatus::kAmbiguous);
  EXPECT_EQ(parse10("It is either [2] or [3], both list the EZXS88W.").status, SelectParseStatus::kAmbiguous);
  EXPECT_EQ(parse10(R"({"answer": "[2] or [3]"})").status, SelectParseStatus::kAmbiguous);
  EXPECT_EQ(parse10(R"({"answer": "[2]"} {"answer": "[3]"})").status, SelectParseStatus::kAmbiguous);
  EXPECT_EQ(parse10(R"({"answer": "[2]", "answer": "[3]"})").status, SelectParseStatus::kAmbiguous);
  // Agreeing repeats are one answer.
  EXPECT_EQ(parse10(R"({"answer": "[2]", "answer": 2})").status, SelectParseStatus::kOk);
  EXPECT_EQ(parse10(R"({"answer": "[2]"} and again {"answer": "[2]"})").chosen, 1);
  EXPECT_EQ(parse10("[3] ... so [ 3 ] it is").chosen, 2);
}

TEST(AnswerParserTest, BracketsInTheExplanationAreNotTheAnswer) {
  const SelectParse parsed = parse_select_answer(
      R"({"answer": "[1]", "explanation": "Candidate records [2] and [3] describe different versions.", "confidence": 1.0})", 3);
  EXPECT_EQ(parsed.status, SelectParseStatus::kOk);
  EXPECT_EQ(parsed.chosen, 0);
  // A JSON reply without an "answer" key is malformed, however many bracketed numbers it holds.
  EXPECT_EQ(parse10(R"({"explanation": "[2] is the match"})").status, SelectParseStatus::kMalformed);
  EXPECT_EQ(parse10(R"({"match": true} [2])").status, SelectParseStatus::kMalformed);
}

TEST(AnswerParserTest, EmptyAndGarbage) {
  EXPECT_EQ(parse10("").status, SelectParseStatus::kMalformed);
  EXPECT_EQ(parse10("   \n ").status, SelectParseStatus::kMalformed);
  EXPECT_EQ(parse10("{\"answer\": \"[2]\"").status, SelectParseStatus::kOk);  // unclosed object: text fallback finds one [2]
  EXPECT_EQ(parse10("{\"answer\": ").status, SelectParseStatus::kMalformed);
  EXPECT_EQ(parse10("\xFF\xFE garbage").status, SelectParseStatus::kMalformed);
  EXPECT_EQ(parse10(std::string(100000, '{')).status, SelectParseStatus::kMalformed);
}

TEST(AnswerParserTest, Refusals) {
  for (const char* content : {"I'm sorry, but I can't help with comparing these records.",
                              "I cannot help with that request.", "I\xE2\x80\x99m sorry, but I am unable to determine this.",
                              R"({"answer": "I cannot help with this", "explanation": ""})"}) {
    const SelectParse parsed = parse10(content);
    EXPECT_EQ(parsed.status, SelectParseStatus::kRefusal) << content;
    EXPECT_FALSE(parsed.accepted());
  }
  // An apology next to a valid answer is an answer.
  EXPECT_EQ(parse10("I'm sorry, but none of the candidates match. [0]").status, SelectParseStatus::kNone);
  EXPECT_EQ(parse10(R"({"answer": "[5]", "explanation": "I'm sorry, but only [5] fits."})").chosen, 4);
}

TEST(AnswerParserTest, ReasoningBlockIsIgnored) {
  const SelectParse parsed = parse10(
      "<think>Candidate [2] has the same brand, but [6] has the same model code EG005W.</think>\n"
      "{\"answer\": \"[6]\", \"explanation\": \"Model EG005W.\", \"confidence\": 0.95}");
  EXPECT_EQ(parsed.status, SelectParseStatus::kOk);
  EXPECT_EQ(parsed.chosen, 5);
  EXPECT_EQ(parse10("[2] vs [6]... both close.</think>\nThe answer is [6].").chosen, 5);
  EXPECT_EQ(parse10("<think>[2] or [6]? still thinking").status, SelectParseStatus::kMalformed);
}

TEST(AnswerParserTest, Confidence) {
  EXPECT_FLOAT_EQ(parse10(R"({"answer": "[1]", "confidence": "0.8"})").confidence, 0.8f);
  EXPECT_FLOAT_EQ(parse10(R"({"answer": "[1]", "confidence": 0})").confidence, 0.0f);
  EXPECT_FLOAT_EQ(parse10(R"({"answer": "[1]", "confidence": 1})").confidence, 1.0f);
  for (const char* content : {R"({"answer": "[1]", "confidence": 85})", R"({"answer": "[1]", "confidence": -0.1})",
                              R"({"answer": "[1]", "confidence": "high"})", R"({"answer": "[1]", "confidence": "0.8x"})",
                              R"({"answer": "[1]", "confidence": null})", R"({"answer": "[1]", "confidence": true})"}) {
    const SelectParse parsed = parse10(content);
    EXPECT_EQ(parsed.status, SelectParseStatus::kOk) << content;  // the answer stands
    EXPECT_TRUE(std::isnan(parsed.confidence)) << content;
  }
}

TEST(AnswerParserTest, ExplanationIsCutAtACharacterBoundary) {
  std::string long_text;
  while (long_text.size() < 3 * kMaxExplanationBytes) long_text += "日本";
  const SelectParse parsed = parse10(R"({"answer": "[1]", "explanation": ")" + long_text + "\"}");
  ASSERT_EQ(parsed.status, SelectParseStatus::kOk);
  EXPECT_LE(parsed.explanation.size(), kMaxExplanationBytes);
  EXPECT_GE(parsed.explanation.size(), kMaxExplanationBytes - 3);
  EXPECT_EQ(parsed.explanation.size() % 3, 0u);  // whole 3-byte characters only
  EXPECT_EQ(parse10(R"({"answer": "[1]", "explanation": 42})").explanation, "");
}

TEST(AnswerParserTest, StatusNames) {
  EXPECT_STREQ(to_string(SelectParseStatus::kOk), "ok");
  EXPECT_STREQ(to_string(SelectParseStatus::kOutOfRange), "out of range");
  EXPECT_STREQ(to_string(PairwiseParseStatus::kRefusal), "refusal");
}

TEST(AnswerParserTest, PairwiseJson) {
  const PairwiseParse yes =
      parse_pairwise_answer(R"({"match": true, "explanation": "Same ISBN.", "confidence": 0.97})");
  EXPECT_EQ(yes.status, PairwiseParseStatus::kOk);
  EXPECT_TRUE(yes.match);
  EXPECT_FLOAT_EQ(yes.confidence, 0.97f);
  EXPECT_EQ(yes.explanation, "Same ISBN.");
  const PairwiseParse no = parse_pairwise_answer("```json\n{\"match\": false, \"explanation\": \"Different years.\"}\n```");
  EXPECT_EQ(no.status, PairwiseParseStatus::kOk);
  EXPECT_FALSE(no.match);
  EXPECT_TRUE(parse_pairwise_answer(R"({"match": "yes"})").match);
  EXPECT_FALSE(parse_pairwise_answer(R"({"match": "False"})").match);
  EXPECT_EQ(parse_pairwise_answer(R"({"match": "maybe"})").status, PairwiseParseStatus::kMalformed);
  EXPECT_EQ(parse_pairwise_answer(R"({"match": 1})").status, PairwiseParseStatus::kMalformed);
  EXPECT_EQ(parse_pairwise_answer(R"({"answer": "[1]"})").status, PairwiseParseStatus::kMalformed);
  EXPECT_EQ(parse_pairwise_answer(R"({"match": true} {"match": false})").status, PairwiseParseStatus::kAmbiguous);
  EXPECT_EQ(parse_pairwise_answer(R"({"match": true, "match": false})").status, PairwiseParseStatus::kAmbiguous);
}

TEST(AnswerParserTest, PairwisePlainText) {
  EXPECT_TRUE(parse_pairwise_answer("Yes, both records describe the Canon EF 70-300mm lens.").match);
  EXPECT_EQ(parse_pairwise_answer("**No.** The years differ.").status, PairwiseParseStatus::kOk);
  EXPECT_FALSE(parse_pairwise_answer("**No.** The years differ.").match);
  EXPECT_FALSE(parse_pairwise_answer("After comparing titles and years.\nMatch: no").match);
  EXPECT_TRUE(parse_pairwise_answer("Answer: \"yes\"").match);
  EXPECT_EQ(parse_pairwise_answer("Yes.\nMatch: no").status, PairwiseParseStatus::kAmbiguous);
  // "no" inside prose is not a verdict.
  EXPECT_EQ(parse_pairwise_answer("There is no model number in the second record.").status,
            PairwiseParseStatus::kMalformed);
  EXPECT_EQ(parse_pairwise_answer("").status, PairwiseParseStatus::kMalformed);
  EXPECT_EQ(parse_pairwise_answer("I'm sorry, but I cannot help with that.").status, PairwiseParseStatus::kRefusal);
  EXPECT_TRUE(parse_pairwise_answer("<think>no... wait</think>Yes").match);
}

}  // namespace
}  // namespace matchmaker::teacher
