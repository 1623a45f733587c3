// Readers for entity-linking mentions: the free-text phrases to link to a dictionary, with their
// gold concept ids where the file carries them (benchmark layouts). Composite mentions ("a|b", as
// BioSyn writes "breast and ovarian cancer" split) become one row per part, linked separately.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "matchmaker/table.h"

namespace matchmaker::io {

enum class MentionFormat {
  kAuto,         // .concept or a directory = BioSyn; .txt with three tab-separated fields = AskAPatient;
                 // otherwise a table (CSV/TSV/JSONL by extension)
  kBioSyn,       // "DOC||START|END||TYPE||MENTION||CUI"; MENTION and CUI may be composites "a|b", "a+b"
  kAskAPatient,  // "CONCEPT_ID<TAB>CONCEPT_NAME<TAB>PHRASE" (the 10-fold files); id = line number
  kTable,        // a table with columns id, mention and optionally context (other columns ignored)
};

// Parses "auto", "biosyn", "askapatient", "table"; throws InputError listing them otherwise.
MentionFormat parse_mention_format(const std::string& name);

struct MentionSet {
  // Columns id, mention[, context]; one row per mention part, ids unique. A composite mention at
  // BioSyn id X gives rows X#1, X#2, ...; other ids are DOC:START-END (BioSyn), the line number
  // (AskAPatient) or the table's own.
  Table table;
  // Per row: the gold concept ids the file gives ("" = none). A composite's parts each carry the whole
  // composite's ids, which is how BioSyn scores them: a part is right if it names any of them.
  std::vector<std::string> gold;
  // Per row: the mention (line, record) it came from, 0-based; parts of a composite share it. A
  // mention counts as linked only when all its parts are (BioSyn's rule).
  std::vector<std::uint32_t> source_mention;
  std::size_t num_source_mentions = 0;
};

// Reads every mention; a BioSyn directory means all its *.concept files in file-name order.
// Throws InputError("FILE:LINE: problem") for a missing file, invalid UTF-8, a line with the wrong
// number of fields (naming the expected layout), an empty mention, or (tables) a missing id/mention
// column or a duplicate id.
MentionSet read_mentions(const std::string& path, MentionFormat format = MentionFormat::kAuto);

}  // namespace matchmaker::io
