#include "io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <charconv>
#include <fmt/format.h>
#include <filesystem>
#include <optional>
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
  // Said, or a stopped run looks like one that ended (write() is safe here; a closed pipe takes none).
  if (signal_number != SIGPIPE) {
    static constexpr char kMessage[] =
        "matchmaker: stopped by a signal: no output written (answers already received stay in the workspace)\n";
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
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

namespace {

constexpr std::size_t kMaxNameBytes = 255;  // NAME_MAX of Linux file systems

// Throws InputError when the last part of `path` is longer than `longest` bytes: found now, not when the
// file is made (or renamed) after all the work.
void refuse_long_name(const std::string& what, const std::string& path, std::size_t longest) {
  if (std::filesystem::path(path).filename().string().size() > longest) {
    throw InputError(what + ": the file name is longer than " + std::to_string(longest) + " bytes");
  }
}

// The file a chain of symbolic links ends at, whether it exists or not (weakly_canonical stops at a
// dangling last link, and the link was then replaced by a regular file). A relative link is taken
// from its folder as the file system resolves it (text-level ".." through a linked folder named
// another file, an input once). Throws InputError for a loop.
std::string follow_links(const std::string& user_path, std::string path) {
  std::error_code error;
  for (int hop = 0; std::filesystem::is_symlink(path, error); ++hop) {
    if (hop == 40) throw InputError(user_path + ": too many levels of symbolic links");
    const std::filesystem::path link(path);
    const std::filesystem::path next = std::filesystem::read_symlink(link, error);
    if (error) break;
    if (next.is_absolute() || link.parent_path().empty()) {
      path = next.string();
    } else {
      const std::filesystem::path folder = std::filesystem::weakly_canonical(link.parent_path(), error);
      path = ((error ? link.parent_path() : folder) / next).string();
    }
  }
  return path;
}

// The descriptors this process was started with, above standard error, for /dev/fd/N (process
// substitution: >(gzip > out.gz) is /dev/fd/63). Standard input, output and error count when they were
// open at start (main puts /dev/null in a closed one's place). Until main notes them (unit tests):
// 0-2 only.
constexpr int kMaxInheritedDescriptor = 1024;
std::array<bool, kMaxInheritedDescriptor> g_inherited{true, true, true};

bool inherited(int descriptor) { return descriptor >= 0 && descriptor < kMaxInheritedDescriptor && g_inherited[descriptor]; }

// The descriptor number a path spells ("-", /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N, any
// number of slashes), without looking at the file system.
std::optional<int> spelled_descriptor(const std::string& path) {
  if (path == "-") return 1;
  const std::string normal = std::filesystem::path(path).lexically_normal().string();
  if (normal == "/dev/stdout") return 1;
  if (normal == "/dev/stderr") return 2;
  for (const std::string_view prefix : {std::string_view("/dev/fd/"), std::string_view("/proc/self/fd/"),
                                        std::string_view("/proc/thread-self/fd/")}) {
    if (normal.rfind(prefix, 0) != 0) continue;
    int descriptor = -1;
    const auto [end, parse_error] = std::from_chars(normal.data() + prefix.size(), normal.data() + normal.size(), descriptor);
    if (parse_error == std::errc() && end == normal.data() + normal.size() && descriptor >= 0) return descriptor;
  }
  return std::nullopt;
}

// The descriptor to write `path` through, when it is one this process was started with: spelled as
// one, or a file (through any links) that is the very file open on one of them (`--out R >> f` with R a
// link to /dev/fd/1: opening it again replaced f). Throws InputError for a spelled descriptor that was
// not open at start (it would name one of this run's own files) or is open for reading only.
std::optional<int> own_descriptor(const std::string& path) {
  std::optional<int> descriptor = spelled_descriptor(path);
  if (!descriptor) {
    struct stat file {};
    if (::stat(path.c_str(), &file) != 0) return std::nullopt;
    for (int candidate = 1; candidate < kMaxInheritedDescriptor && !descriptor; ++candidate) {
      struct stat open_file {};
      if (inherited(candidate) && ::fstat(candidate, &open_file) == 0 && open_file.st_dev == file.st_dev &&
          open_file.st_ino == file.st_ino && !S_ISCHR(file.st_mode)) {
        descriptor = candidate;
      }
    }
    if (!descriptor) return std::nullopt;
  }
  if (!inherited(*descriptor)) {
    throw InputError(path + ": descriptor " + std::to_string(*descriptor) + " was not open when matchmaker started");
  }
  const int flags = ::fcntl(*descriptor, F_GETFL);
  if (flags == -1 || (flags & O_ACCMODE) == O_RDONLY) {
    throw InputError(path + ": descriptor " + std::to_string(*descriptor) + " is not open for writing");
  }
  return descriptor;
}

// What two outputs are the same file by: the file itself where it exists (any spelling, links, a
// descriptor), else the path the file would get.
std::string file_identity(const std::string& path) {
  struct stat file {};
  const std::optional<int> descriptor = spelled_descriptor(path);
  if (descriptor ? ::fstat(*descriptor, &file) == 0 : ::stat(path.c_str(), &file) == 0) {
    return fmt::format("{}:{}", file.st_dev, file.st_ino);
  }
  std::error_code error;
  return std::filesystem::weakly_canonical(std::filesystem::absolute(path, error), error).string();
}

// Creates a new, empty temporary file for `target` in its folder, exclusively and without following a
// symbolic link at that name, with the existing output's permissions and owner (`existing`, null for a
// new file); returns its path. Tries "TARGET.tmp-PID" first (what an interrupted run's leftovers are
// recognised by), then "TARGET.tmp-PID-N" when that name is taken, and a short name when TARGET's own
// name leaves no room for the suffix.
std::string create_temporary_file(const std::string& user_path, const std::string& target, const struct stat* existing) {
  const std::filesystem::path target_path(target);
  const std::string pid = std::to_string(::getpid());
  const bool long_name = target_path.filename().string().size() + 24 > kMaxNameBytes;
  // Set-user-id and set-group-id bits are not carried over: the new file may belong to another user.
  const mode_t mode = existing != nullptr ? (existing->st_mode & 0777) : 0666;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string suffix = attempt == 0 ? pid : pid + "-" + std::to_string(attempt);
    const std::string candidate = long_name ? (target_path.parent_path() / (".matchmaker.tmp-" + suffix)).string()
                                            : target + ".tmp-" + suffix;
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0) {
      if (existing != nullptr) {
        // open() applies the umask; an existing output keeps its permissions, and its owner where this
        // process may give it (as root: a user's 0600 file came back root's, unreadable to that user).
        [[maybe_unused]] const int owned = ::fchown(fd, existing->st_uid, existing->st_gid);
        ::fchmod(fd, mode);
      }
      ::close(fd);
      return candidate;
    }
    if (errno != EEXIST) {
      throw InputError(user_path + ": cannot create output file (its temporary file " + candidate +
                       "): " + std::strerror(errno));
    }
  }
  throw InputError(user_path + ": cannot create output file: 100 temporary names next to it are taken");
}

// The files SQLite keeps beside a database (a workspace, or an input that is one), next to `path` and,
// when it is reached through a link, next to the file itself.
std::vector<std::string> sqlite_side_files(const std::string& path) {
  std::error_code error;
  std::vector<std::string> files;
  for (const std::string& named : {path, std::filesystem::weakly_canonical(path, error).string()}) {
    for (const char* suffix : {"-wal", "-shm", "-journal"}) files.push_back(named + suffix);
  }
  return files;
}

}  // namespace

void note_inherited_descriptors() {
  for (int descriptor = 0; descriptor < kMaxInheritedDescriptor; ++descriptor) {
    g_inherited[descriptor] = ::fcntl(descriptor, F_GETFD) != -1;
  }
}

bool is_stream_output(const std::string& path) {
  struct stat existing {};
  return spelled_descriptor(path).has_value() ||
         (::stat(path.c_str(), &existing) == 0 && !S_ISREG(existing.st_mode) && !S_ISDIR(existing.st_mode));
}

void refuse_outputs_over_inputs(const std::vector<std::string>& inputs, const std::vector<OutputOption>& outputs) {
  std::vector<std::string> files;
  std::error_code error;
  // Each file is compared by what it is (file_identity), worked out once.
  std::vector<std::string> file_identities;
  for (const std::string& input : inputs) {
    if (input.empty()) continue;
    if (std::filesystem::is_directory(input, error)) {
      for (const auto& entry : std::filesystem::directory_iterator(input, error)) files.push_back(entry.path().string());
    } else {
      files.push_back(input);
      // A SQLite input's files besides it (report's workspace: an output over its -wal lost the
      // answers a killed run had not checkpointed).
      for (std::string& side_file : sqlite_side_files(input)) files.push_back(std::move(side_file));
    }
  }
  for (const std::string& file : files) file_identities.push_back(file_identity(file));
  std::vector<std::string> output_identities;
  for (const OutputOption& output : outputs) {
    output_identities.push_back(output.path.empty() ? std::string() : file_identity(output.path));
  }
  // A workspace's SQLite files besides it, with the option that names the workspace: an output written
  // there was deleted when the workspace closed (exit 0, no matches file).
  std::vector<std::pair<std::string, const OutputOption*>> workspace_side_files;
  for (const OutputOption& other : outputs) {
    if (other.path.empty() || other.option.find("workspace") == std::string::npos) continue;
    for (const std::string& side_file : sqlite_side_files(other.path)) workspace_side_files.emplace_back(file_identity(side_file), &other);
  }
  for (std::size_t idx = 0; idx < outputs.size(); ++idx) {
    const OutputOption& output = outputs[idx];
    if (output.path.empty()) continue;
    // Derived names too (OUT.batch.jsonl, OUT.workspace.db); a workspace needs room for SQLite's
    // "-journal" beside it.
    refuse_long_name(output.option + " " + output.path, output.path,
                     kMaxNameBytes - (output.option.find("workspace") != std::string::npos ? 8 : 0));
    const std::string& identity = output_identities[idx];
    for (std::size_t input = 0; input < files.size(); ++input) {
      if (files[input] == output.path || file_identities[input] == identity) {
        throw InputError(output.option + " " + output.path + " is an input of this run (" + files[input] +
                         "); it would be overwritten");
      }
    }
    // The same file by any spelling ("a.csv" and "./a.csv", stdout redirected to --metrics): the second
    // output replaced the first. A terminal or /dev/null may take several.
    struct stat file {};
    const bool shareable = ::stat(output.path.c_str(), &file) == 0 && S_ISCHR(file.st_mode);
    for (std::size_t other = 0; other < idx && !shareable; ++other) {
      if (outputs[other].path.empty()) continue;
      if (outputs[other].path == output.path || output_identities[other] == identity) {
        throw InputError(outputs[other].option + " and " + output.option + " name the same file " + output.path);
      }
    }
    for (const auto& [side_file, workspace] : workspace_side_files) {
      if (side_file == identity) {
        throw InputError(output.option + " " + output.path + " is a file of " + workspace->option + " " + workspace->path);
      }
    }
  }
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), target_(path_) {
  if (const std::optional<int> descriptor = own_descriptor(path_)) {
    // Through the process's own descriptor, whatever it is: a file opened again (and replaced) lost
    // what `>>` had appended before and what the shell wrote after; a socket could not be opened.
    const int copy = ::fcntl(*descriptor, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) throw InputError(path_ + ": cannot write to descriptor " + std::to_string(*descriptor) + ": " + std::strerror(errno));
    descriptor_buffer_ = std::make_unique<__gnu_cxx::stdio_filebuf<char>>(copy, std::ios::out | std::ios::binary);
    stream_.std::ios::rdbuf(descriptor_buffer_.get());
    return;
  }
  // Found now, not by the rename after all the work.
  std::error_code error;
  if (std::filesystem::is_directory(target_, error)) throw InputError(path_ + ": is a directory, not an output file");
  struct stat existing {};
  const bool exists = ::stat(target_.c_str(), &existing) == 0;  // through links
  if (exists && !S_ISREG(existing.st_mode)) {
    // A terminal, a pipe, /dev/null: nothing to replace, so written directly.
    stream_.open(target_, std::ios::binary);
    if (!stream_.is_open()) throw InputError(path_ + ": cannot open output: " + std::strerror(errno));
    return;
  }
  // Replace what a link points to; the link stays (a dangling link: the file it names is created).
  target_ = follow_links(path_, target_);
  refuse_long_name(path_, target_, kMaxNameBytes);
  temp_path_ = create_temporary_file(path_, target_, exists ? &existing : nullptr);
  stream_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!stream_.is_open()) {
    const std::string reason = std::strerror(errno);
    std::filesystem::remove(temp_path_, error);
    throw InputError(path_ + ": cannot create output file: " + reason);
  }
  track(temp_path_.c_str());
}

AtomicFile::~AtomicFile() {
  if (committed_ || temp_path_.empty()) return;
  untrack(temp_path_.c_str());
  stream_.close();
  std::error_code ignored;  // a destructor must not throw; a leftover temp file is all that can go wrong
  std::filesystem::remove(temp_path_, ignored);
}

void AtomicFile::prepare() {
  if (prepared_) return;
  stream_.flush();
  const bool written = stream_.good();
  if (!descriptor_buffer_) stream_.close();  // a descriptor's buffer is flushed above, and closed with the object
  if (!written || stream_.fail()) throw RuntimeFailure(path_ + ": cannot write output file (disk full?)");
  if (!temp_path_.empty() && !sync_file(temp_path_)) {
    throw RuntimeFailure(path_ + ": cannot sync output file: " + std::strerror(errno));
  }
  prepared_ = true;
}

void AtomicFile::commit() {
  if (committed_) return;
  prepare();
  if (!temp_path_.empty()) {
    std::error_code error;
    std::filesystem::rename(temp_path_, target_, error);
    if (error) throw RuntimeFailure(path_ + ": cannot replace it with " + temp_path_ + ": " + error.message());
    untrack(temp_path_.c_str());
  }
  committed_ = true;
}

void commit_together(std::initializer_list<AtomicFile*> files) {
  for (AtomicFile* file : files) {
    if (file != nullptr) file->prepare();
  }
  for (AtomicFile* file : files) {
    if (file != nullptr) file->commit();
  }
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
