// The files a teacher reads and writes beside a run's own, the same for every task (match, align,
// link): its recordings (inputs), its workspace (the answer cache) and batch: requests (outputs), and a
// run that follows a batch import.
#pragma once

#include <string>
#include <vector>

#include "io/atomic_file.h"
#include "pipeline/distill.h"
#include "workspace/workspace.h"

namespace matchmaker::pipeline {

// The workspace a run records into: the one asked for, or when an LLM is used (uses_llm)
// OUT.workspace.db (its answers are paid for and must never be asked again); empty for none.
std::string workspace_path_for(const std::string& requested, const std::string& out_path, const DistillSettings& settings);

// Where an LLM teacher's answers and requests go, the same for every task: its answer cache
// (`workspace`, null without one) and, for batch:, OUT.batch.jsonl. A task that left the file unset
// had batch: ask live, at full price (align and link did).
void connect_teacher_outputs(DistillSettings& settings, const std::string& out_path, workspace::Workspace* workspace);

// `named` (the input files the options name) and the teacher's own inputs, the recordings it replays
// (an output over one destroyed recorded LLM answers), as io::refuse_outputs_over_inputs takes them.
std::vector<std::string> with_teacher_inputs(std::vector<std::string> named, const DistillSettings& settings);

// `named` (the outputs the options name) and the files the teacher writes besides: the default
// workspace (OUT.workspace.db) and, for batch:, OUT.batch.jsonl, as io::refuse_outputs_over_inputs
// takes them. Those too must not name an input (a left table named OUT.batch.jsonl was overwritten).
std::vector<io::OutputOption> with_teacher_outputs(std::vector<io::OutputOption> named, const std::string& requested_workspace,
                                                   const std::string& out_path, const DistillSettings& settings);

// The run after a batch import: with --selection auto, an openai:MODEL run whose workspace holds a
// batch:MODEL run takes that run's selection, so that it asks the very questions the batch answered
// (from the cache) instead of new, paid ones (auto means uncertainty for openai:, stratified for
// batch:). Logs the change; does nothing otherwise.
void follow_batch_run(DistillSettings& settings, const workspace::Workspace& workspace);

}  // namespace matchmaker::pipeline
