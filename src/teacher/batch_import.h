// Brings the results of an OpenAI Batch API job into the answer cache, so that the next run with
// `--teacher openai:MODEL` finds every answer there and pays for nothing twice.
#pragma once

#include <cstddef>
#include <string>

namespace matchmaker::workspace {
class Workspace;
}

namespace matchmaker::teacher {

struct BatchImportReport {
  std::size_t lines = 0;
  std::size_t stored = 0;    // answers put into the cache
  std::size_t already = 0;   // answers the cache held already (an import repeated, a line twice)
  std::size_t failed = 0;    // requests the Batch API reports as failed (nothing to store)
};

// Throws InputError unless a run recorded in `workspace` wrote `teacher_spec`'s requests (its teacher
// or escalation teacher, or a vote member of either, is the batch: twin of "openai:MODEL"). Answers
// stored under another model would never be found, and the next run would pay for every one again.
void refuse_import_without_batch_run(const workspace::Workspace& workspace, const std::string& teacher_spec);

// `results_path`: the Batch API output JSONL ({"custom_id", "response": {"status_code", "body"}, "error"}),
// whose custom_ids are the cache keys written by the batch export. `teacher_spec`: "openai:MODEL".
// Throws InputError naming the line for a line that is not such a result.
BatchImportReport import_batch_results(const std::string& results_path, workspace::Workspace& cache,
                                       const std::string& teacher_spec);

}  // namespace matchmaker::teacher
