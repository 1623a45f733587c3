// Readers for entity-linking dictionaries: concepts, each with a preferred name and synonyms, in the
// layouts biomedical linking data comes in (BioSyn/MEDIC, AskAPatient's concept list, plain TSV/CSV,
// OBO ontologies). Everything after loading sees one Dictionary, whatever the file looked like.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace matchmaker::io {

enum class DictionaryFormat {
  kAuto,         // by extension: .obo, .json, .csv/.tsv/.tab; otherwise by the first line ("||" = BioSyn)
  kBioSyn,       // "ID||NAME" per line, one synonym per line; ID may hold alternatives "MESH|OMIM"
  kAskAPatient,  // JSON {"ID": [["primary", "NAME"], ...], ...}
  kTable,        // CSV/TSV with a header: id, name, then any number of synonym columns (empty cells skipped)
  kObo,          // OBO 1.2/1.4: [Term] stanzas with id:, name:, synonym: "TEXT" SCOPE [...]
};

// Parses "auto", "biosyn", "askapatient", "table", "obo"; throws InputError listing them otherwise.
DictionaryFormat parse_dictionary_format(const std::string& name);

// Concepts in order of first appearance; the names of concept c are names[concept_offsets[c] ..
// concept_offsets[c+1]), its preferred (first-seen) name first, exact duplicates removed.
struct Dictionary {
  std::string source;                          // file path, for messages
  std::vector<std::string> concept_ids;        // as written: "D001260", "C567755|613097"
  std::vector<std::string> names;              // every name of every concept, grouped by concept
  std::vector<std::uint32_t> name_concept;     // per name: its concept
  std::vector<std::uint64_t> concept_offsets;  // size num_concepts() + 1
  std::size_t skipped_obsolete = 0;            // OBO terms marked is_obsolete (not linkable, reported)

  std::size_t num_concepts() const { return concept_ids.size(); }
  std::size_t num_names() const { return names.size(); }
  std::size_t concept_size(std::size_t concept_row) const {
    return concept_offsets[concept_row + 1] - concept_offsets[concept_row];
  }
};

// Reads the whole dictionary. Throws InputError("FILE:LINE: problem") for a missing or unreadable
// file, invalid UTF-8, a malformed line or stanza (naming what is missing), an empty id or name, and a
// file with no concept at all.
Dictionary read_dictionary(const std::string& path, DictionaryFormat format = DictionaryFormat::kAuto);

// The single ids of an id list: alternatives "a|b" and composites "a+b" both split ("a|b+c" ->
// {a, b, c}); empty parts dropped. Views point into `ids`.
std::vector<std::string_view> split_concept_ids(std::string_view ids);


// Calls on_line(line, line_number) for every line of a text file (1-based numbers; a UTF-8 BOM, the
// line break and a trailing '\r' removed). Throws InputError for a missing file or invalid UTF-8.
void for_each_text_line(const std::string& path,
                        const std::function<void(std::string_view line, std::size_t line_number)>& on_line);

}  // namespace matchmaker::io
