#include "resolve/assignment.h"

#include <limits>
#include <stdexcept>

namespace matchmaker::resolve {
namespace {

// The Hungarian method with potentials (Kuhn-Munkres, shortest augmenting paths), for n <= m:
// minimises the cost of assigning each of the n rows to a distinct column. 1-based inside, as in
// the textbook formulation; column 0 is the virtual start of each augmenting path.
std::vector<int> min_cost_rows_to_columns(std::span<const double> cost, std::size_t n, std::size_t m) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  std::vector<double> row_potential(n + 1, 0.0), column_potential(m + 1, 0.0);
  std::vector<std::size_t> row_of_column(m + 1, 0), previous_column(m + 1, 0);
  for (std::size_t row = 1; row <= n; ++row) {
    row_of_column[0] = row;
    std::size_t column = 0;
    std::vector<double> slack(m + 1, kInfinity);
    std::vector<char> visited(m + 1, 0);
    do {
      visited[column] = 1;
      const std::size_t current_row = row_of_column[column];
      double delta = kInfinity;
      std::size_t next_column = 0;
      for (std::size_t candidate = 1; candidate <= m; ++candidate) {
        if (visited[candidate]) continue;
        const double reduced =
            cost[(current_row - 1) * m + (candidate - 1)] - row_potential[current_row] - column_potential[candidate];
        if (reduced < slack[candidate]) {
          slack[candidate] = reduced;
          previous_column[candidate] = column;
        }
        if (slack[candidate] < delta) {
          delta = slack[candidate];
          next_column = candidate;
        }
      }
      for (std::size_t candidate = 0; candidate <= m; ++candidate) {
        if (visited[candidate]) {
          row_potential[row_of_column[candidate]] += delta;
          column_potential[candidate] -= delta;
        } else {
          slack[candidate] -= delta;
        }
      }
      column = next_column;
    } while (row_of_column[column] != 0);
    do {  // flip the augmenting path
      const std::size_t before = previous_column[column];
      row_of_column[column] = row_of_column[before];
      column = before;
    } while (column != 0);
  }
  std::vector<int> column_of_row(n, -1);
  for (std::size_t column = 1; column <= m; ++column) {
    if (row_of_column[column] != 0) column_of_row[row_of_column[column] - 1] = static_cast<int>(column - 1);
  }
  return column_of_row;
}

}  // namespace

std::vector<int> max_weight_assignment(std::span<const double> weights, std::size_t rows, std::size_t columns) {
  if (weights.size() != rows * columns) throw std::invalid_argument("max_weight_assignment: weights must be rows x columns");
  std::vector<int> assigned(rows, -1);
  if (rows == 0 || columns == 0) return assigned;
  // The method wants no more rows than columns: solve the transpose when there are more rows.
  const bool transpose = rows > columns;
  const std::size_t n = transpose ? columns : rows;
  const std::size_t m = transpose ? rows : columns;
  // Maximising weight = minimising its negative; a missing edge costs 0, the same as leaving both
  // sides unassigned, so it is chosen only where nothing better is left and dropped below.
  std::vector<double> cost(n * m, 0.0);
  for (std::size_t row = 0; row < rows; ++row) {
    for (std::size_t column = 0; column < columns; ++column) {
      const double weight = weights[row * columns + column];
      if (weight <= 0) continue;
      if (transpose) {
        cost[column * m + row] = -weight;
      } else {
        cost[row * m + column] = -weight;
      }
    }
  }
  const std::vector<int> solved = min_cost_rows_to_columns(cost, n, m);
  for (std::size_t idx = 0; idx < n; ++idx) {
    if (solved[idx] < 0) continue;
    const auto other = static_cast<std::size_t>(solved[idx]);
    const std::size_t row = transpose ? other : idx;
    const std::size_t column = transpose ? idx : other;
    if (weights[row * columns + column] > 0) assigned[row] = static_cast<int>(column);
  }
  return assigned;
}

}  // namespace matchmaker::resolve
