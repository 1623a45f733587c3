// The subcommands of the matchmaker CLI. Each registers its options on the app and returns what runs
// it once the command line is parsed; main() only dispatches and maps exceptions to exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "pipeline/distill.h"
#include "workspace/workspace.h"

namespace matchmaker::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<void()> run;  // throws InputError (exit 2) or RuntimeFailure (exit 1)
};

// The most candidates per entity, concept or mention an option may ask for: far past any use, and a
// bound on memory (2^31 ended in std::bad_alloc).
inline constexpr int kMaxCandidates = 100'000;

Command add_match_command(CLI::App& app);         // match_command.cpp: ER
Command add_align_command(CLI::App& app);         // align_command.cpp: EA
Command add_link_command(CLI::App& app);          // link_command.cpp: EL
Command add_explain_command(CLI::App& app);       // explain_command.cpp
Command add_batch_import_command(CLI::App& app);  // batch_import_command.cpp
Command add_report_command(CLI::App& app);        // report_command.cpp

// An earlier run of a workspace, for the commands that read one (explain, report).
struct WorkspaceRun {
  workspace::Workspace workspace;
  std::int64_t run = 0;
};
// The run `run` of the workspace at `path`, or its latest run when unset. Throws InputError for a
// missing or empty file, and for a run that is not there.
// `read_only`: for readers (explain, report), which need no write access to the file.
WorkspaceRun open_workspace_run(const std::string& path, std::optional<std::int64_t> run,
                                bool read_only);  // workspace_run.cpp

// Options every task shares: the teacher, its budget and caps, selection, escalation, seed and
// threads, all into `settings`. Text forms that need checking are kept in `text` and turned into
// settings by apply() after parsing.
struct TeacherOptionText {
  std::string selection = "auto";  // see auto_selection()
  std::string price;               // "PROMPT,COMPLETION" USD per million tokens
  std::string candidate_order = "student";
  // `auto_by_teacher`: "auto" picks the selection by teacher (match); otherwise it is Blocking-Max
  // (align and link, where other selections were not measured). Throws InputError.
  void apply(pipeline::DistillSettings& settings, bool auto_by_teacher) const;
};
// The selection "auto" stands for in match, given a teacher spec.
std::string auto_selection(const std::string& teacher);
void add_teacher_options(CLI::App* command, pipeline::DistillSettings& settings, TeacherOptionText& text);

}  // namespace matchmaker::cli
