// The project workspace: one SQLite file holding each run's config, component names, the teacher's
// answers, the student model, the matches and the metrics, so every stage can resume from it.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace SQLite {
class Database;
}

namespace matchmaker::workspace {

// The schema version this build writes and reads. A version-1 file is upgraded on open; a file with
// any other version is refused.
inline constexpr std::int64_t kSchemaVersion = 3;

// One open workspace file (one SQLite connection).
//
// Thread safety: a Workspace is NOT thread-safe, const methods included (they share the connection).
// Use one Workspace per thread: each opens its own connection, and WAL mode plus the 5 s busy timeout let
// several connections, and several processes, use the same file. (Sharing one object between threads is
// only correct if the caller serialises every call, reads included, e.g. with a mutex.)
//
// Durability: every write method commits before it returns (WAL with synchronous=FULL), so nothing it
// wrote is lost if the process is killed afterwards, even by kill -9 or a power cut.
//
// Errors: a file that is not a SQLite database, not a workspace, or of an unknown schema version, and
// run ids or component names that do not fit, are InputError (exit 2); failures of SQLite itself (disk
// full, I/O error, lock held for longer than the busy timeout) are RuntimeFailure (exit 1). Every message
// starts with "workspace FILE: ".
//
// Movable, not copyable; a moved-from Workspace may only be destroyed or assigned to.
class Workspace {
 public:
  // What the teacher answered for one prompt. `chosen_id` is the chosen candidate's id; empty means the
  // teacher answered "none". A NaN confidence is stored as NULL and read back as NaN.
  struct CachedAnswer {
    std::string chosen_id;
    double confidence = 0.0;
    std::string explanation;
    std::string raw;  // the teacher's response text, byte for byte
  };

  // The student model of a run, as stored by store_model().
  struct StoredModel {
    std::string model_json;  // XGBoost JSON model text
    std::vector<std::string> feature_names;
  };

  using Match = std::tuple<std::string, std::string, double>;  // left_id, right_id, score

  // Opens the file, creating it (and its schema) if it does not exist. WAL journal mode, foreign keys
  // on, busy timeout 5 s. Throws InputError naming the file if it is not a SQLite database, is a SQLite
  // database of another application, or has a schema version other than kSchemaVersion.
  static Workspace open(const std::string& path);
  // For readers (explain, report): opens an existing workspace without writing to it, so that a file
  // the user may read but not write, or one on a read-only mount, can be read. Throws InputError as
  // open() does, and for a workspace whose schema needs an upgrade (a write).
  static Workspace open_read_only(const std::string& path);

  ~Workspace();
  Workspace(Workspace&& other) noexcept;
  Workspace& operator=(Workspace&& other) noexcept;
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::string& path() const { return path_; }

  // Starts a run with status "running": stores the config JSON, the tool version (MATCHMAKER_VERSION)
  // and the start time (UTC, ISO 8601). Returns the new run id (ids increase and are never reused).
  // The first run of this Workspace locks the file for as long as it stays open (RunLock): throws
  // InputError when another process's run holds it.
  std::int64_t begin_run(const nlohmann::json& config);

  // Records which version of a component the run used, e.g. ("normalizer", "nfkc_casefold_v1"). Setting
  // a kind again replaces its name (run_info lists them). InputError if the run does not exist.
  void set_component(std::int64_t run_id, const std::string& kind, const std::string& name);


  // The teacher-answer cache, so that no prompt is asked (paid for) twice. Keyed by (teacher spec,
  // prompt key); the prompt key is an opaque string computed by the caller (e.g. a hash of the exact
  // prompt). Answers are shared by all runs of the workspace.
  std::optional<CachedAnswer> find_answer(const std::string& teacher, const std::string& prompt_key) const;
  // Stores an answer unless one is already stored under (teacher, prompt_key), in which case the first
  // one is kept (returns false). Each call is its own committed transaction. `query_id` is the id of the
  // asked record.
  bool store_answer(const std::string& teacher, const std::string& prompt_key, const std::string& query_id,
                    const CachedAnswer& answer);
  std::size_t count_answers(const std::string& teacher) const;

  // The student model of a run (XGBoost JSON text and its feature names); storing again replaces it.
  void store_model(std::int64_t run_id, const std::string& model_json, const std::vector<std::string>& feature_names);
  std::optional<StoredModel> load_model(std::int64_t run_id) const;

  // The matches of a run, written in one transaction that replaces the run's earlier matches.
  void store_matches(std::int64_t run_id, const std::vector<Match>& matches);
  // In the order they were stored.
  std::vector<Match> load_matches(std::int64_t run_id) const;

  // Why each output decision was made, for `matchmaker explain`: one row per (query, candidate).
  struct Explanation {
    std::string left_id;
    std::string right_id;
    std::string decision;  // "match" or "no match"
    std::string route;     // route::route_name(): who decided
    double score = 0.0;
    nlohmann::json detail;  // student contributions, teacher rationale (explain/explanation.h)
  };
  // Writes a run's explanations as they are made, replacing those it had, in one transaction: readers
  // see none of them before commit(), and a writer destroyed without commit() leaves the old ones. A
  // run's decisions need not all be in memory at once (a million took 5.7 GB). While it is open, other
  // processes' writes to the file wait for it, and this Workspace must take no other write (SQLite
  // transactions do not nest); the Workspace must outlive it.
  class ExplanationWriter {
   public:
    ~ExplanationWriter();
    ExplanationWriter(ExplanationWriter&& other) noexcept;
    ExplanationWriter& operator=(ExplanationWriter&&) = delete;
    void add(std::span<const Explanation> explanations);
    // Returns how many explanations were written.
    std::size_t commit();

   private:
    friend class Workspace;
    struct State;
    explicit ExplanationWriter(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  ExplanationWriter write_explanations(std::int64_t run_id);
  // All at once: write_explanations, add, commit.
  void store_explanations(std::int64_t run_id, const std::vector<Explanation>& explanations);
  // The explanations of one query of a run, highest score first.
  std::vector<Explanation> load_explanations(std::int64_t run_id, const std::string& left_id) const;
  // Every decision of a run without its detail (a few bytes each, where a detail is kilobytes), for
  // summaries such as `matchmaker report`; ordered by left id, then highest score first.
  struct DecisionSummary {
    std::string left_id;
    std::string right_id;
    std::string decision;
    std::string route;
    double score = 0.0;
    double student_probability = 0.0;  // the student's calibrated probability; NaN without a student
  };
  std::vector<DecisionSummary> load_decision_summaries(std::int64_t run_id) const;

  // Finishes a run: stores its metrics JSON and end time and sets status "done". A run that never gets
  // here or to fail_run (crash, kill -9) stays "running".
  void finish_run(std::int64_t run_id, const nlohmann::json& metrics);
  // Ends a run that stopped on an error: status "failed", the error message and the end time. What the
  // run stored before (teacher answers above all) stays.
  void fail_run(std::int64_t run_id, const std::string& error);

  // The id of the latest run, if any.
  std::optional<std::int64_t> latest_run() const;
  // The id of the latest run whose config names `teacher` as its teacher, if any.
  std::optional<std::int64_t> latest_run_of_teacher(const std::string& teacher) const;

  // {"id", "status", "tool_version", "config", "metrics", "started", "finished", "error", "components":
  // {kind: name}}; status is "running", "done" or "failed"; "metrics" and "finished" are null while the
  // run is "running", "error" is null unless it "failed". InputError if the run does not exist.
  nlohmann::json run_info(std::int64_t run_id) const;

 private:
  Workspace(std::string path, std::unique_ptr<SQLite::Database> db);
  SQLite::Database& db() const;
  void require_run(std::int64_t run_id) const;
  // The latest run, or the latest whose config names `teacher` (when not null).
  std::optional<std::int64_t> latest_run_matching(const std::string* teacher) const;

  // An advisory lock (flock) on the workspace file, held by a run from begin_run() until the workspace
  // closes: a second run on the same workspace asked (and paid for) every question the first had not
  // answered yet. SQLite locks with fcntl, which flock leaves alone on Linux; declared before db_ so
  // that its descriptor closes after the connection (closing any descriptor of the file drops the
  // process's fcntl locks on it).
  struct RunLock {
    int fd = -1;
    RunLock() = default;
    RunLock(RunLock&& other) noexcept : fd(other.fd) { other.fd = -1; }
    RunLock& operator=(RunLock&& other) noexcept {
      std::swap(fd, other.fd);
      return *this;
    }
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    ~RunLock();
  };
  RunLock run_lock_;
  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace matchmaker::workspace
