// Maximum-weight bipartite assignment (the Hungarian method), for one-to-one resolution of small
// groups of competing candidate pairs.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace matchmaker::resolve {

// `weights`: rows x columns, row-major; a cell <= 0 is no edge. Returns, per row, the column it is
// assigned to (-1: none) so that no column is used twice and the summed weight of the assigned
// cells is the largest possible. O(min^2 * max) time for a min x max matrix. Deterministic.
std::vector<int> max_weight_assignment(std::span<const double> weights, std::size_t rows, std::size_t columns);

}  // namespace matchmaker::resolve
