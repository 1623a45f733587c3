// A loaded table: records with an id and named string fields, stored column-agnostic in one arena.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace matchmaker {

// Records are rows; every row has exactly columns().size() cells (empty cells are empty strings).
// Cells live in one contiguous buffer so a million records cost two allocations, not millions.
class Table {
 public:
  Table() = default;
  Table(std::string source, std::vector<std::string> columns, std::size_t id_column);

  const std::string& source() const { return source_; }            // file path, for messages
  const std::vector<std::string>& columns() const { return columns_; }
  std::size_t id_column() const { return id_column_; }
  std::size_t num_rows() const { return num_rows_; }
  std::size_t num_columns() const { return columns_.size(); }

  std::string_view cell(std::size_t row, std::size_t column) const {
    const std::size_t index = row * columns_.size() + column;
    return std::string_view(arena_).substr(offsets_[index], offsets_[index + 1] - offsets_[index]);
  }
  std::string_view id(std::size_t row) const { return cell(row, id_column_); }

  // Index of a column by name, or -1.
  int find_column(std::string_view name) const;

  // Appends one row; REQUIRES: cells.size() == num_columns().
  template <typename Cells>
  void append_row(const Cells& cells) {
    for (const auto& value : cells) {
      arena_.append(value.data(), value.size());
      offsets_.push_back(arena_.size());
    }
    ++num_rows_;
  }

  // Row index of every id; REQUIRES: ids are unique (readers check it).
  std::unordered_map<std::string_view, std::uint32_t> id_index() const;

 private:
  std::string source_;
  std::vector<std::string> columns_;
  std::size_t id_column_ = 0;
  std::size_t num_rows_ = 0;
  std::string arena_;
  std::vector<std::size_t> offsets_{0};  // offsets_[i]..offsets_[i+1] is cell i (row-major)
};

}  // namespace matchmaker
