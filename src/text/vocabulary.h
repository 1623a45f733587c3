// Interning of strings (tokens, q-grams, model codes) to dense integer ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace matchmaker::text {

// Not thread-safe for intern(); find() may run concurrently once interning is over.
class Vocabulary {
 public:
  std::uint32_t intern(std::string_view term);
  std::optional<std::uint32_t> find(std::string_view term) const;
  std::size_t size() const { return terms_.size(); }
  const std::string& term(std::uint32_t term_id) const { return terms_[term_id]; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view value) const { return std::hash<std::string_view>{}(value); }
  };
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> terms_;
};

}  // namespace matchmaker::text
