#include "matchmaker/table.h"

namespace matchmaker {

Table::Table(std::string source, std::vector<std::string> columns, std::size_t id_column)
    : source_(std::move(source)), columns_(std::move(columns)), id_column_(id_column) {}

int Table::find_column(std::string_view name) const {
  for (std::size_t column_idx = 0; column_idx < columns_.size(); ++column_idx) {
    if (columns_[column_idx] == name) return static_cast<int>(column_idx);
  }
  return -1;
}

std::unordered_map<std::string_view, std::uint32_t> Table::id_index() const {
  std::unordered_map<std::string_view, std::uint32_t> index;
  index.reserve(num_rows_);
  for (std::size_t row = 0; row < num_rows_; ++row) index.emplace(id(row), static_cast<std::uint32_t>(row));
  return index;
}

}  // namespace matchmaker
