#include "text/vocabulary.h"

namespace matchmaker::text {

std::uint32_t Vocabulary::intern(std::string_view term) {
  if (auto found = ids_.find(term); found != ids_.end()) return found->second;
  const auto term_id = static_cast<std::uint32_t>(terms_.size());
  terms_.emplace_back(term);
  ids_.emplace(terms_.back(), term_id);
  return term_id;
}

std::optional<std::uint32_t> Vocabulary::find(std::string_view term) const {
  if (auto found = ids_.find(term); found != ids_.end()) return found->second;
  return std::nullopt;
}

}  // namespace matchmaker::text
