// Output files that appear whole or not at all: written to "PATH.tmp-PID" and renamed on commit().
#pragma once

#include <ext/stdio_filebuf.h>

#include <fstream>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace matchmaker::io {

// If the job fails before commit(), the destructor removes the temporary file, so a failed run never
// leaves a partial output behind (and never clobbers an earlier good one).
//
// What PATH may be:
// - a regular file, or a new one: the temporary file sits next to it, created exclusively and never
//   through a symbolic link (a link planted at the temporary name is not followed), and takes the
//   existing file's permissions (a 0600 file stayed private only until the first run replaced it);
// - a symbolic link: the file it points to is replaced, the link stays;
// - one of the descriptors the process started with ("-", /dev/stdout, /dev/fd/N, or the file open on
//   one of them): written through a copy of that descriptor (`>> file` keeps what the file held);
// - a device or a pipe (/dev/null, a FIFO): written directly. There is no file to replace in either
//   case (renaming over /dev/stdout replaced the system's link with a regular file).
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // throws InputError if the temporary file cannot be created
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ofstream& stream() { return stream_; }
  // Everything that can fail short of the rename: flush, close, sync. Throws RuntimeFailure on an I/O
  // error (a full disk shows here). commit() does it if it was not done.
  void prepare();
  void commit();  // prepare(), then rename over `path`; throws RuntimeFailure on I/O error

 private:
  std::string path_;         // as the user named it, for messages
  std::string target_;       // the file replaced: path_, or the file its symbolic link points to
  std::string temp_path_;    // empty when written directly
  std::ofstream stream_;
  // "-", /dev/stdout, /dev/fd/N: written through a copy of the process's own descriptor.
  std::unique_ptr<__gnu_cxx::stdio_filebuf<char>> descriptor_buffer_;
  bool prepared_ = false;
  bool committed_ = false;
};

// Called by main first of all: the descriptors open at start are those "-" and /dev/fd/N may name (a
// closed standard output is refused, not written into /dev/null; a /dev/fd/3 the shell never opened
// would be one of this run's own files).
void note_inherited_descriptors();

// True when AtomicFile(path) writes in place, not to a file it replaces: "-" (standard output), a
// device or a pipe. Nothing else can be put next to such an output (OUT.workspace.db).
bool is_stream_output(const std::string& path);

// Commits several outputs so that a failure leaves none of them replaced, as far as a file system
// allows: each is prepared (written out and synced, where a full disk shows) before any is renamed.
// Null entries are skipped.
void commit_together(std::initializer_list<AtomicFile*> files);

// Installs SIGINT / SIGTERM / SIGPIPE / SIGHUP handlers that remove the temporary files of the AtomicFiles open at that
// moment, then end the process as the signal would have (exit status 128 + signal in a shell). Without
// them an interrupted run (Ctrl-C) left its partial outputs behind as PATH.tmp-PID. Call once, from main.
// Answers already in a workspace stay there: each is committed as it arrives.
void remove_temporary_files_on_interrupt();

// An output option and the path it names, e.g. {"--out", "matches.csv"}; an empty path is not given.
struct OutputOption {
  std::string option;
  std::string path;
};
// Throws InputError when an output names an input of the run (it would replace it: `match --out
// left.csv` overwrote the left table) or the same file as another output. An input that is a directory
// (a graph's folder) counts with every file in it. Empty paths are skipped.
void refuse_outputs_over_inputs(const std::vector<std::string>& inputs, const std::vector<OutputOption>& outputs);

// Writes one CSV field with RFC 4180 quoting when needed.
void write_csv_field(std::ostream& out, std::string_view value);

}  // namespace matchmaker::io
