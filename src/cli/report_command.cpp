// `matchmaker report`: one self-contained HTML page, for a run of a workspace or for a routing sweep
// measured by bench/er_distiller.
#include <fstream>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "io/atomic_file.h"
#include "matchmaker/error.h"
#include "report/run_report.h"
#include "report/sweep_report.h"

namespace matchmaker::cli {
namespace {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& error) {  // syntax, and numbers beyond double's range (1e309)
    throw InputError(path + ": not valid JSON (" + error.what() + ")");
  }
}

}  // namespace

Command add_report_command(CLI::App& app) {
  struct Options {
    std::string workspace, sweep, out;
    std::optional<std::int64_t> run;  // unset: the latest
    std::size_t samples = report::RunReportOptions{}.samples_per_group;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "report", "One self-contained HTML page (charts included, no network needed): a run of a --workspace (funnel, "
                "who decided, scores, quality with gold, teacher cost, sample decisions explained), or the routing "
                "curve of a bench/er_distiller --sweep result");
  auto* workspace = command->add_option("--workspace", options->workspace, "Workspace of the run (match/align --workspace)");
  auto* sweep = command->add_option("--sweep", options->sweep, "JSON written by bench/er_distiller --sweep ... --json FILE");
  workspace->excludes(sweep);
  sweep->excludes(workspace);
  command->add_option("--run", options->run, "Run id (default: the latest)")->needs(workspace);
  command->add_option("--samples", options->samples, "Sample decisions shown per group")
      ->capture_default_str()
      ->needs(workspace);
  command->add_option("--out", options->out, "HTML file to write")->required();
  return {command, [options] {
            // `report --out ws.db` replaced the workspace it read with the page.
            io::refuse_outputs_over_inputs({options->workspace, options->sweep}, {{"--out", options->out}});
            std::string html;
            if (!options->sweep.empty()) {
              html = report::sweep_report_html(read_json_file(options->sweep), options->sweep);
            } else if (!options->workspace.empty()) {
              const auto [workspace, run] = open_workspace_run(options->workspace, options->run, true);
              html = report::run_report_html(workspace, run, {options->samples});
            } else {
              throw InputError("report needs --workspace (a run) or --sweep (a benchmark's routing curve)");
            }
            io::AtomicFile out(options->out);
            out.stream() << html;
            out.commit();
          }};
}

}  // namespace matchmaker::cli
