#include "graph/entity_names.h"

#include <array>
#include <string_view>

#include "text/encoded_table.h"
#include "text/tfidf.h"

namespace matchmaker::graph {

Table entity_name_table(const KnowledgeGraph& graph) {
  Table table(graph.source(), {"id", "name"}, 0);
  for (std::uint32_t entity = 0; entity < graph.num_entities(); ++entity) {
    const std::array<std::string_view, 2> cells = {graph.entity_id(entity), graph.entity_name(entity)};
    table.append_row(cells);
  }
  return table;
}

NameVectors name_vectors(const KnowledgeGraph& left, const KnowledgeGraph& right) {
  const Table left_table = entity_name_table(left);
  const Table right_table = entity_name_table(right);
  const text::AttributeAlignment alignment = text::AttributeAlignment::by_name(left_table, right_table);
  text::TableEncoder encoder;
  const text::EncodedTable left_encoded = encoder.encode(left_table, alignment.left_columns);
  const text::EncodedTable right_encoded = encoder.encode(right_table, alignment.right_columns);
  const auto word_idf = text::inverse_document_frequencies({&left_encoded.words, &right_encoded.words}, encoder.words().size());
  const auto gram_idf = text::inverse_document_frequencies({&left_encoded.grams, &right_encoded.grams}, encoder.grams().size());
  NameVectors vectors;
  vectors.left = text::combined_unit_vectors(text::tfidf_weight(left_encoded.words, word_idf),
                                             text::tfidf_weight(left_encoded.grams, gram_idf));
  vectors.right = text::combined_unit_vectors(text::tfidf_weight(right_encoded.words, word_idf),
                                              text::tfidf_weight(right_encoded.grams, gram_idf));
  return vectors;
}

}  // namespace matchmaker::graph
