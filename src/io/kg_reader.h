// Readers for knowledge-graph alignment input: the DBP15K / SRPRS layout (ent_ids_N, triples_N,
// rel_ids_N, ref_ent_ids, sup_ent_ids), the OpenEA layout (rel_triples_N, attr_triples_N, ent_links)
// and N-Triples files (serd). Every reader names file, line and field in its InputError.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "graph/knowledge_graph.h"

namespace matchmaker::io {

enum class KgLayout { kDbp15k, kOpenEa, kNTriples };
std::string kg_layout_name(KgLayout layout);

// Which layout `path` holds: a file ending in .nt is N-Triples; a directory with ent_ids_1 is DBP15K,
// one with rel_triples_1 is OpenEA. Throws InputError otherwise.
KgLayout detect_kg_layout(const std::string& path);

// Reads graph `side` (1 or 2) of a dataset directory, or the N-Triples file `path` (side ignored).
// Entity ids: the DBP15K numeric id, else the URI. Names: an rdfs:label / skos:prefLabel / foaf:name /
// schema:name when present, else the URI's local name, percent-decoded, with '_' as a space.
// Throws InputError for a missing file, a wrong field count, a non-numeric or duplicate DBP15K id,
// a triple naming an unknown entity or relation id, invalid UTF-8, an N-Triples syntax error, or a
// graph without entities.
graph::KnowledgeGraph read_knowledge_graph(const std::string& path, int side);

// The layout's own gold links file in `dir` (ref_ent_ids or ent_links), or "" when there is none.
std::string find_links_file(const std::string& dir);

// Entity pairs (left row, right row) in file order: two tab- or comma-separated fields per line, the
// left id and the right id (DBP15K ref_ent_ids / sup_ent_ids, OpenEA ent_links, or a CSV with a
// `left_id,right_id` header). Blank lines are skipped. Throws InputError naming the line for a wrong
// field count, an id that is not in its graph or a left entity linked twice, and for a file without
// links.
std::vector<std::pair<std::uint32_t, std::uint32_t>> read_entity_links(const std::string& path,
                                                                       const graph::KnowledgeGraph& left,
                                                                       const graph::KnowledgeGraph& right);

// The name a URI stands for: its local name (after the last '/' or '#'), percent-decoded, '_' -> ' '.
// A value that is not a URI is taken whole. "http://dbpedia.org/resource/Caf%C3%A9_Noir" -> "Café Noir".
std::string uri_local_name(std::string_view uri);

}  // namespace matchmaker::io
