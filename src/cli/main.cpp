// The matchmaker command line: registers the subcommands (one file each), runs the one given and maps
// errors to exit codes. No logic of its own.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <fcntl.h>

#include <cstdlib>
#include <iostream>
#include <vector>

#include "cli/commands.h"
#include "io/atomic_file.h"
#include "matchmaker/error.h"
#include "matchmaker/progress.h"

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitFailure = 1;

// Started with standard input, output or error closed (`2>&-`), the first file the run opens takes that
// number, and the log was written into the matches file. /dev/null holds each closed one's place.
void keep_standard_streams_open() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1) continue;
    if (::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) == -1) std::_Exit(kExitFailure);
  }
}

}  // namespace

int main(int argc, char** argv) {
  matchmaker::io::note_inherited_descriptors();
  keep_standard_streams_open();
  matchmaker::io::remove_temporary_files_on_interrupt();
  spdlog::set_default_logger(spdlog::stderr_color_mt("matchmaker"));
  spdlog::set_pattern("[%H:%M:%S] %v");

  CLI::App app{"matchmaker " MATCHMAKER_VERSION
               " - entity matching without labels: candidates -> teacher -> student -> route -> resolve"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags such as --quiet may follow the subcommand too
  app.set_version_flag("--version", MATCHMAKER_VERSION);
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "Log only warnings and errors");
  double progress_seconds = matchmaker::Progress::interval_seconds();
  app.add_option("--progress-seconds", progress_seconds,
                 "Seconds between progress lines of a long stage (normalise, candidates, features, LLM calls, student, "
                 "explain, retrieval, structural model); a stage that ends sooner prints none")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) {
            char* end = nullptr;
            const double seconds = std::strtod(text.c_str(), &end);
            return !text.empty() && *end == '\0' && seconds >= 0 ? std::string() : "must be 0 or more seconds";
          },
          "SECONDS"));

  const std::vector<matchmaker::cli::Command> commands = {
      matchmaker::cli::add_match_command(app),
      matchmaker::cli::add_align_command(app),
      matchmaker::cli::add_link_command(app),
      matchmaker::cli::add_explain_command(app),
      matchmaker::cli::add_batch_import_command(app),
      matchmaker::cli::add_report_command(app),
  };

  // A subcommand's help lists its own options only: name the global ones there too.
  for (const auto& command : commands) {
    command.app->footer("Global options, before or after the subcommand: -q,--quiet (warnings and errors only), "
                        "--progress-seconds SECONDS (default 10); see matchmaker --help");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& success) {
    return app.exit(success);
  } catch (const CLI::ParseError& error) {
    // Point at the help that lists the option in question: the subcommand's, once one was named.
    std::string help = "matchmaker --help";
    for (const auto& command : commands) {
      if (command.app->parsed()) help = "matchmaker " + command.app->get_name() + " --help";
    }
    std::cerr << "matchmaker: " << error.what() << " (see " << help << ")\n";
    return kExitBadInput;
  }
  if (quiet) spdlog::set_level(spdlog::level::warn);
  matchmaker::Progress::set_interval_seconds(progress_seconds);

  try {
    for (const auto& command : commands) {
      if (command.app->parsed()) command.run();
    }
  } catch (const matchmaker::InputError& error) {
    std::cerr << "matchmaker: " << error.what() << '\n';
    return kExitBadInput;
  } catch (const std::exception& error) {
    std::cerr << "matchmaker: " << error.what() << '\n';
    return kExitFailure;
  }
  return 0;
}
