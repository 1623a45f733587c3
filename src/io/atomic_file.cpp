#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "matchmaker/error.h"

namespace matchmaker::io {
namespace {

// Forces the temporary file's data to disk before the rename: otherwise a crash right after commit()
// can leave a renamed but empty file, which is exactly the partial output this class exists to avoid.
bool sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

// The temporary paths of the open AtomicFiles, for the signal handler. A handler may only call
// async-signal-safe functions (unlink, signal, raise) and read lock-free atomics, hence fixed slots
// holding the strings' own buffers. A run opens a handful of outputs; a file finding no free slot is
// simply not removed on an interrupt.
constexpr std::size_t kTrackedFiles = 32;
std::array<std::atomic<const char*>, kTrackedFiles> g_open_temporary_files{};

void track(const char* temp_path) {
  for (auto& slot : g_open_temporary_files) {
    const char* empty = nullptr;
    if (slot.compare_exchange_strong(empty, temp_path)) return;
  }
}

void untrack(const char* temp_path) {
  for (auto& slot : g_open_temporary_files) {
    const char* mine = temp_path;
    if (slot.compare_exchange_strong(mine, nullptr)) return;
  }
}

extern "C" void remove_temporary_files_and_die(int signal_number) {
  for (auto& slot : g_open_temporary_files) {
    if (const char* path = slot.load()) ::unlink(path);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

}  // namespace

void remove_temporary_files_on_interrupt() {
  static_assert(std::atomic<const char*>::is_always_lock_free);
  // SIGPIPE: the log's reader went away (`matchmaker ... 2>&1 | head`); SIGHUP: the terminal closed.
  for (const int signal_number : {SIGINT, SIGTERM, SIGPIPE, SIGHUP}) {
    std::signal(signal_number, remove_temporary_files_and_die);
  }
}

void refuse_outputs_over_inputs(const std::vector<std::string>& inputs, const std::vector<OutputOption>& outputs) {
  std::vector<std::string> files;
  std::error_code error;
  for (const std::string& input : inputs) {
    if (input.empty()) continue;
    if (std::filesystem::is_directory(input, error)) {
      for (const auto& entry : std::filesystem::directory_iterator(input, error)) files.push_back(entry.path().string());
    } else {
      files.push_back(input);
    }
  }
  for (std::size_t idx = 0; idx < outputs.size(); ++idx) {
    const OutputOption& output = outputs[idx];
    if (output.path.empty()) continue;
    for (const std::string& file : files) {
      if (std::filesystem::equivalent(file, output.path, error)) {
        throw InputError(output.option + " " + output.path + " is an input of this run (" + file +
                         "); it would be overwritten");
      }
    }
    for (std::size_t other = 0; other < idx; ++other) {
      if (!outputs[other].path.empty() && (outputs[other].path == output.path ||
                                           std::filesystem::equivalent(outputs[other].path, output.path, error))) {
        throw InputError(outputs[other].option + " and " + output.option + " name the same file " + output.path);
      }
    }
  }
}

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temp_path_(path_ + ".tmp-" + std::to_string(::getpid())) {
  // Found now, not by the rename after all the work.
  std::error_code ignored;
  if (std::filesystem::is_directory(path_, ignored)) throw InputError(path_ + ": is a directory, not an output file");
  stream_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!stream_.is_open()) {
    throw InputError(temp_path_ + ": cannot create output file: " + std::strerror(errno));
  }
  track(temp_path_.c_str());
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  untrack(temp_path_.c_str());
  stream_.close();
  std::error_code ignored;  // a destructor must not throw; a leftover temp file is all that can go wrong
  std::filesystem::remove(temp_path_, ignored);
}

void AtomicFile::commit() {
  if (committed_) return;
  stream_.flush();
  const bool written = stream_.good();
  stream_.close();
  if (!written || stream_.fail()) {
    throw RuntimeFailure(temp_path_ + ": cannot write output file (disk full?)");
  }
  if (!sync_file(temp_path_)) {
    throw RuntimeFailure(temp_path_ + ": cannot sync output file: " + std::strerror(errno));
  }
  std::error_code error;
  std::filesystem::rename(temp_path_, path_, error);
  if (error) throw RuntimeFailure("cannot rename " + temp_path_ + " to " + path_ + ": " + error.message());
  untrack(temp_path_.c_str());
  committed_ = true;
}

void write_csv_field(std::ostream& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out << value;
    return;
  }
  out << '"';
  // Copy the runs between quotes whole; each quote is written twice.
  std::size_t start = 0;
  for (std::size_t quote = value.find('"'); quote != std::string_view::npos;
       quote = value.find('"', quote + 1)) {
    out << value.substr(start, quote + 1 - start) << '"';
    start = quote + 1;
  }
  out << value.substr(start) << '"';
}

}  // namespace matchmaker::io
