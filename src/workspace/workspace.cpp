#include "workspace/workspace.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "matchmaker/error.h"

namespace matchmaker::workspace {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// Version 3 (version 1 lacked the explanations table; version 2 the 'failed' status and runs.error).
// The runs table is made by runs_table_sql(). Times are UTC ISO 8601 text; JSON is stored as text.
// Teacher answers belong to the workspace, not to a run, so a later run reuses what an earlier (maybe
// crashed) one paid for.
constexpr const char* kSchema = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value NOT NULL
) WITHOUT ROWID;

CREATE TABLE components (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (run_id, kind)
) WITHOUT ROWID;

CREATE TABLE teacher_answers (
  teacher TEXT NOT NULL,
  prompt_key TEXT NOT NULL,
  query_id TEXT NOT NULL,
  chosen_id TEXT NOT NULL,
  confidence REAL,
  explanation TEXT NOT NULL,
  raw TEXT NOT NULL,
  created TEXT NOT NULL,
  PRIMARY KEY (teacher, prompt_key)
);

CREATE TABLE models (
  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  feature_names TEXT NOT NULL
);

CREATE TABLE matches (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  left_id TEXT NOT NULL,
  right_id TEXT NOT NULL,
  score REAL NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
)sql";

// The runs table, under `name` (the version-3 upgrade builds it under another name first).
std::string runs_table_sql(const std::string& name) {
  return "CREATE TABLE " + name + R"sql( (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  tool_version TEXT NOT NULL,
  config TEXT NOT NULL,
  metrics TEXT,
  started TEXT NOT NULL,
  finished TEXT,
  error TEXT
);)sql";
}

// New in version 2 (IF NOT EXISTS: the same statement upgrades a version-1 file).
constexpr const char* kExplanationsTable = R"sql(
CREATE TABLE IF NOT EXISTS explanations (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  left_id TEXT NOT NULL,
  right_id TEXT NOT NULL,
  decision TEXT NOT NULL,
  route TEXT NOT NULL,
  score REAL NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY (run_id, left_id, right_id)
) WITHOUT ROWID;
)sql";

constexpr const char* kNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

std::string prefix(const std::string& path) { return "workspace " + path + ": "; }

// Errors of opening: a path the user got wrong is an InputError, anything else a RuntimeFailure.
[[noreturn]] void throw_open_error(const std::string& path, const SQLite::Exception& error) {
  switch (error.getErrorCode()) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      throw InputError(prefix(path) + "not a SQLite database (" + error.what() + ")");
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      throw InputError(prefix(path) + "cannot open: " + error.what());
    default:
      throw RuntimeFailure(prefix(path) + "cannot open: " + error.what());
  }
}

// A workspace that is read-only, damaged or not a database is the user's to fix (exit 2); anything
// else (disk full, I/O errors) is a failure of the run (exit 1).
[[noreturn]] void throw_failure(const std::string& path, const char* action, const SQLite::Exception& error) {
  const std::string message = prefix(path) + "cannot " + action + ": " + error.what();
  switch (error.getErrorCode() & 0xFF) {  // the primary code of an extended one
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      throw InputError(message);
    default:
      throw RuntimeFailure(message);
  }
}

// Config and metrics may hold paths with invalid UTF-8; they are stored with U+FFFD rather than refused.
std::string to_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json parse_stored(const std::string& path, const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    throw RuntimeFailure(prefix(path) + what + " is not valid JSON: " + error.what());
  }
}

std::string run_name(std::int64_t run_id) { return "run " + std::to_string(run_id); }

// Version 3 allows status 'failed' and adds runs.error. SQLite cannot change a CHECK constraint in
// place, so the table is rebuilt (sqlite.org/lang_altertable.html, "other kinds of table schema
// changes"): foreign keys off, so that dropping the old table does not cascade into the rows that
// reference it, then copy, drop, rename and check the keys, all in one transaction.
void upgrade_runs_to_version_3(SQLite::Database& db, const std::string& path) {
  db.exec("PRAGMA foreign_keys = OFF");  // has no effect inside a transaction: set before it
  try {
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    db.exec(runs_table_sql("runs_version_3"));
    db.exec(R"sql(
INSERT INTO runs_version_3 (id, status, tool_version, config, metrics, started, finished)
  SELECT id, status, tool_version, config, metrics, started, finished FROM runs;
-- Run ids are never reused: the new table continues the old one's sequence, deleted runs included.
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'runs_version_3', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'runs_version_3');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'runs'), 0))
  WHERE name = 'runs_version_3';
DROP TABLE runs;
ALTER TABLE runs_version_3 RENAME TO runs;
UPDATE meta SET value = 3 WHERE key = 'schema_version';
)sql");
    SQLite::Statement broken(db, "PRAGMA foreign_key_check");
    if (broken.executeStep()) throw std::runtime_error("a foreign key no longer matches after rebuilding runs");
    transaction.commit();
  } catch (...) {
    db.exec("PRAGMA foreign_keys = ON");
    throw;
  }
  db.exec("PRAGMA foreign_keys = ON");
  spdlog::info("{}upgraded from schema version 2 to 3 (failed runs)", prefix(path));
}

// Checks the schema of an existing file and upgrades an older matchmaker schema in place; anything else is
// refused before a byte is written (so a foreign database is left as it was).
// Returns false if the file holds no tables at all (new or empty), i.e. the schema must be created.
// `read_only`: a schema that needs an upgrade is refused instead of upgraded.
bool check_schema(SQLite::Database& db, const std::string& path, bool read_only = false) {
  SQLite::Statement tables(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  tables.executeStep();
  if (tables.getColumn(0).getInt64() == 0) return false;
  if (!db.tableExists("meta")) {
    throw InputError(prefix(path) + "not a matchmaker workspace (a SQLite database without a meta table)");
  }
  SQLite::Statement version(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version.executeStep()) {
    throw InputError(prefix(path) + "not a matchmaker workspace (no schema_version in its meta table)");
  }
  const std::string text = version.getColumn(0).getString();
  // Finished with both reads: an open statement would keep the upgrade below from dropping a table.
  version.reset();
  tables.reset();
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw InputError(prefix(path) + "unknown schema version '" + text + "'");
  }
  if (number > kSchemaVersion) {
    throw InputError(prefix(path) + "schema version " + text + " is newer than this build reads (" +
                     std::to_string(kSchemaVersion) + "); use a newer matchmaker");
  }
  if (number < 1) {
    throw InputError(prefix(path) + "unknown schema version " + text + " (this build reads " +
                     std::to_string(kSchemaVersion) + ")");
  }
  if (read_only && number < kSchemaVersion) {
    throw InputError(prefix(path) + "schema version " + text + " needs an upgrade, and the workspace is opened "
                     "read-only: run matchmaker once on it with write access");
  }
  if (number == 1) {
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    db.exec(kExplanationsTable);
    db.exec("UPDATE meta SET value = 2 WHERE key = 'schema_version'");
    transaction.commit();
    spdlog::info("{}upgraded from schema version 1 to 2 (explanations)", prefix(path));
    number = 2;
  }
  if (number == 2) upgrade_runs_to_version_3(db, path);
  return true;
}

}  // namespace

Workspace Workspace::open(const std::string& path) {
  std::unique_ptr<SQLite::Database> db;
  try {
    db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, kBusyTimeoutMs);
    db->exec("PRAGMA foreign_keys = ON");
    const bool has_schema = check_schema(*db, path);  // the first read: a non-database file fails here
    const std::string mode = db->execAndGet("PRAGMA journal_mode = WAL").getString();
    if (mode != "wal") {
      spdlog::warn("{}journal mode is '{}', not WAL (file system without shared memory?)", prefix(path), mode);
    }
    db->exec("PRAGMA synchronous = FULL");  // each commit is on disk when it returns
    if (!has_schema) {
      SQLite::Transaction transaction(*db, SQLite::TransactionBehavior::IMMEDIATE);
      if (!check_schema(*db, path)) {  // another process may have created it meanwhile
        db->exec(kSchema);
        db->exec(runs_table_sql("runs"));
        db->exec(kExplanationsTable);
        SQLite::Statement insert(*db, "INSERT INTO meta (key, value) VALUES ('schema_version', ?)");
        insert.bind(1, static_cast<std::int64_t>(kSchemaVersion));
        insert.exec();
      }
      transaction.commit();
    }
  } catch (const SQLite::Exception& error) {
    throw_open_error(path, error);
  }
  return Workspace(path, std::move(db));
}

Workspace Workspace::open_read_only(const std::string& path) {
  // A write-ahead-log database is read through its shared-memory file, which a reader may be unable
  // to create (a folder it cannot write); then the file is read as immutable (no other process may
  // change it meanwhile, which a reader of a finished run can take), if its log holds nothing.
  std::string uri = "file:";
  for (const char character : path) {
    if (character == '%' || character == '?' || character == '#') {
      uri += fmt::format("%{:02X}", static_cast<unsigned char>(character));
    } else {
      uri += character;
    }
  }
  // Where the reader may write the file and its folder, it reads through a read-write connection set
  // query-only (no statement writes; SQLite still tidies up on close): a read-only one could not remove
  // the -wal and -shm files it made, and left them beside the workspace.
  const auto opened = [&](std::unique_ptr<SQLite::Database> db) {
    if (!check_schema(*db, path, /*read_only=*/true)) throw InputError(prefix(path) + "not a matchmaker workspace (no tables)");
    return Workspace(path, std::move(db));
  };
  const std::string folder = std::filesystem::path(path).parent_path().empty()
                                 ? std::string(".")
                                 : std::filesystem::path(path).parent_path().string();
  if (::access(path.c_str(), W_OK) == 0 && ::access(folder.c_str(), W_OK) == 0) {
    try {
      auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE, kBusyTimeoutMs);
      db->exec("PRAGMA query_only = ON");  // no statement through it may write
      return opened(std::move(db));
    } catch (const SQLite::Exception& error) {
      throw_open_error(path, error);
    }
  }
  for (const char* query : {"?mode=ro", "?immutable=1"}) {
    std::error_code no_log;
    if (std::string_view(query) == "?immutable=1" && std::filesystem::file_size(path + "-wal", no_log) > 0 && !no_log) {
      // Immutable, the file would be read without the changes its log holds: stale, without a word.
      throw InputError(prefix(path) + "it cannot be read without write access to its folder: its write-ahead log (" +
                       path + "-wal) holds changes not yet in the file, which SQLite reads through a " + path +
                       "-shm it cannot create here; copy both files to a folder you can write");
    }
    try {
      return opened(std::make_unique<SQLite::Database>(uri + query, SQLite::OPEN_READONLY | SQLite::OPEN_URI, kBusyTimeoutMs));
    } catch (const SQLite::Exception& error) {
      const int code = error.getErrorCode();
      if (std::string_view(query) == "?mode=ro" && (code == SQLITE_CANTOPEN || code == SQLITE_READONLY)) continue;
      throw_open_error(path, error);
    }
  }
  throw std::logic_error("unreachable");
}

Workspace::Workspace(std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

Workspace::~Workspace() = default;
Workspace::Workspace(Workspace&& other) noexcept = default;
Workspace& Workspace::operator=(Workspace&& other) noexcept = default;

SQLite::Database& Workspace::db() const {
  if (!db_) throw std::logic_error("use of a moved-from Workspace");
  return *db_;
}

void Workspace::require_run(std::int64_t run_id) const {
  SQLite::Statement query(db(), "SELECT 1 FROM runs WHERE id = ?");
  query.bind(1, run_id);
  if (!query.executeStep()) throw InputError(prefix(path_) + "no " + run_name(run_id));
}

Workspace::RunLock::~RunLock() {
  if (fd >= 0) ::close(fd);
}

std::int64_t Workspace::begin_run(const nlohmann::json& config) {
  if (run_lock_.fd < 0) {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw RuntimeFailure(prefix(path_) + "cannot open it to lock it: " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd);
      if (error == EWOULDBLOCK) {
        throw InputError(prefix(path_) + "another matchmaker run is using it; wait until it ends, or give "
                         "another --workspace (two runs would both pay for the questions neither has answered)");
      }
      throw RuntimeFailure(prefix(path_) + "cannot lock it: " + std::strerror(error));
    }
    run_lock_.fd = fd;
  }
  try {
    SQLite::Statement insert(db(), std::string("INSERT INTO runs (status, tool_version, config, started) "
                                               "VALUES ('running', ?, ?, ") + kNow + ")");
    insert.bind(1, MATCHMAKER_VERSION);
    insert.bind(2, to_text(config));
    insert.exec();
    return db().getLastInsertRowid();
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "begin a run", error);
  }
}

void Workspace::set_component(std::int64_t run_id, const std::string& kind, const std::string& name) {
  try {
    require_run(run_id);
    SQLite::Statement upsert(db(),
                             "INSERT INTO components (run_id, kind, name) VALUES (?, ?, ?) "
                             "ON CONFLICT (run_id, kind) DO UPDATE SET name = excluded.name");
    upsert.bind(1, run_id);
    upsert.bind(2, kind);
    upsert.bind(3, name);
    upsert.exec();
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "record a component", error);
  }
}

std::optional<Workspace::CachedAnswer> Workspace::find_answer(const std::string& teacher,
                                                              const std::string& prompt_key) const {
  try {
    SQLite::Statement query(db(),
                            "SELECT chosen_id, confidence, explanation, raw FROM teacher_answers "
                            "WHERE teacher = ? AND prompt_key = ?");
    query.bind(1, teacher);
    query.bind(2, prompt_key);
    if (!query.executeStep()) return std::nullopt;
    CachedAnswer answer;
    answer.chosen_id = query.getColumn(0).getString();
    const SQLite::Column confidence = query.getColumn(1);
    answer.confidence = confidence.isNull() ? std::numeric_limits<double>::quiet_NaN() : confidence.getDouble();
    answer.explanation = query.getColumn(2).getString();
    answer.raw = query.getColumn(3).getString();
    return answer;
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "read teacher answers", error);
  }
}

bool Workspace::store_answer(const std::string& teacher, const std::string& prompt_key, const std::string& query_id,
                             const CachedAnswer& answer) {
  try {
    // Autocommit: the statement is its own transaction, durable when exec() returns.
    SQLite::Statement insert(db(), std::string("INSERT OR IGNORE INTO teacher_answers "
                                               "(teacher, prompt_key, query_id, chosen_id, confidence, "
                                               "explanation, raw, created) VALUES (?, ?, ?, ?, ?, ?, ?, ") +
                                       kNow + ")");
    insert.bind(1, teacher);
    insert.bind(2, prompt_key);
    insert.bind(3, query_id);
    insert.bind(4, answer.chosen_id);
    insert.bind(5, answer.confidence);  // SQLite stores NaN as NULL
    insert.bind(6, answer.explanation);
    insert.bind(7, answer.raw);
    return insert.exec() > 0;
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "store a teacher answer", error);
  }
}

std::size_t Workspace::count_answers(const std::string& teacher) const {
  try {
    SQLite::Statement query(db(), "SELECT count(*) FROM teacher_answers WHERE teacher = ?");
    query.bind(1, teacher);
    query.executeStep();
    return static_cast<std::size_t>(query.getColumn(0).getInt64());
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "count teacher answers", error);
  }
}

void Workspace::store_model(std::int64_t run_id, const std::string& model_json,
                            const std::vector<std::string>& feature_names) {
  try {
    require_run(run_id);
    SQLite::Statement upsert(db(),
                             "INSERT INTO models (run_id, model, feature_names) VALUES (?, ?, ?) "
                             "ON CONFLICT (run_id) DO UPDATE SET model = excluded.model, "
                             "feature_names = excluded.feature_names");
    upsert.bind(1, run_id);
    upsert.bind(2, model_json);
    upsert.bind(3, to_text(nlohmann::json(feature_names)));
    upsert.exec();
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "store the model", error);
  }
}

std::optional<Workspace::StoredModel> Workspace::load_model(std::int64_t run_id) const {
  try {
    SQLite::Statement query(db(), "SELECT model, feature_names FROM models WHERE run_id = ?");
    query.bind(1, run_id);
    if (!query.executeStep()) return std::nullopt;
    StoredModel model;
    model.model_json = query.getColumn(0).getString();
    const std::string what = run_name(run_id) + " feature names";
    const nlohmann::json names = parse_stored(path_, query.getColumn(1).getString(), what);
    try {
      model.feature_names = names.get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception&) {
      throw RuntimeFailure(prefix(path_) + what + " are not a JSON array of strings");
    }
    return model;
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "load the model", error);
  }
}

void Workspace::store_matches(std::int64_t run_id, const std::vector<Match>& matches) {
  try {
    SQLite::Transaction transaction(db(), SQLite::TransactionBehavior::IMMEDIATE);
    require_run(run_id);
    SQLite::Statement erase(db(), "DELETE FROM matches WHERE run_id = ?");
    erase.bind(1, run_id);
    erase.exec();
    SQLite::Statement insert(db(), "INSERT INTO matches (run_id, seq, left_id, right_id, score) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, run_id);
    std::int64_t seq = 0;
    for (const auto& [left_id, right_id, score] : matches) {
      insert.bind(2, seq++);
      insert.bindNoCopy(3, left_id);
      insert.bindNoCopy(4, right_id);
      insert.bind(5, score);
      insert.exec();
      insert.reset();
    }
    transaction.commit();
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "store matches", error);
  }
}

struct Workspace::ExplanationWriter::State {
  std::string path;
  SQLite::Transaction transaction;
  SQLite::Statement insert;
  std::size_t written = 0;
  State(std::string workspace_path, SQLite::Database& db)
      : path(std::move(workspace_path)),
        transaction(db, SQLite::TransactionBehavior::IMMEDIATE),
        insert(db, "INSERT OR REPLACE INTO explanations (run_id, left_id, right_id, decision, route, score, detail) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)") {}
};

Workspace::ExplanationWriter::ExplanationWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
Workspace::ExplanationWriter::ExplanationWriter(ExplanationWriter&& other) noexcept = default;
// The transaction's destructor rolls back what was not committed.
Workspace::ExplanationWriter::~ExplanationWriter() = default;

void Workspace::ExplanationWriter::add(std::span<const Explanation> explanations) {
  if (!state_) throw std::logic_error("ExplanationWriter::add after commit");
  try {
    SQLite::Statement& insert = state_->insert;
    for (const Explanation& explanation : explanations) {
      insert.bindNoCopy(2, explanation.left_id);
      insert.bindNoCopy(3, explanation.right_id);
      insert.bindNoCopy(4, explanation.decision);
      insert.bindNoCopy(5, explanation.route);
      insert.bind(6, explanation.score);
      insert.bind(7, to_text(explanation.detail));
      insert.exec();
      insert.reset();
    }
    state_->written += explanations.size();
  } catch (const SQLite::Exception& error) {
    throw_failure(state_->path, "store explanations", error);
  }
}

std::size_t Workspace::ExplanationWriter::commit() {
  if (!state_) throw std::logic_error("ExplanationWriter::commit twice");
  try {
    state_->transaction.commit();
  } catch (const SQLite::Exception& error) {
    throw_failure(state_->path, "store explanations", error);
  }
  const std::size_t written = state_->written;
  state_.reset();
  return written;
}

Workspace::ExplanationWriter Workspace::write_explanations(std::int64_t run_id) {
  try {
    auto state = std::make_unique<ExplanationWriter::State>(path_, db());
    require_run(run_id);
    SQLite::Statement erase(db(), "DELETE FROM explanations WHERE run_id = ?");
    erase.bind(1, run_id);
    erase.exec();
    state->insert.bind(1, run_id);
    return ExplanationWriter(std::move(state));
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "store explanations", error);
  }
}

void Workspace::store_explanations(std::int64_t run_id, const std::vector<Explanation>& explanations) {
  ExplanationWriter writer = write_explanations(run_id);
  writer.add(explanations);
  writer.commit();
}

std::vector<Workspace::Explanation> Workspace::load_explanations(std::int64_t run_id, const std::string& left_id) const {
  std::vector<Explanation> explanations;
  try {
    require_run(run_id);
    SQLite::Statement select(db(),
                             "SELECT left_id, right_id, decision, route, score, detail FROM explanations "
                             "WHERE run_id = ? AND left_id = ? ORDER BY score DESC, right_id");
    select.bind(1, run_id);
    select.bind(2, left_id);
    while (select.executeStep()) {
      explanations.push_back({select.getColumn(0).getString(), select.getColumn(1).getString(),
                              select.getColumn(2).getString(), select.getColumn(3).getString(),
                              select.getColumn(4).getDouble(),
                              parse_stored(path_, select.getColumn(5).getString(), "an explanation")});
    }
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "read explanations", error);
  }
  return explanations;
}

std::vector<Workspace::DecisionSummary> Workspace::load_decision_summaries(std::int64_t run_id) const {
  std::vector<DecisionSummary> summaries;
  try {
    require_run(run_id);
    // json_extract reads the one number needed without parsing each detail in C++.
    SQLite::Statement select(db(),
                             "SELECT left_id, right_id, decision, route, score, "
                             "json_extract(detail, '$.student.calibrated_probability') FROM explanations "
                             "WHERE run_id = ? ORDER BY left_id, score DESC, right_id");
    select.bind(1, run_id);
    while (select.executeStep()) {
      const SQLite::Column probability = select.getColumn(5);
      summaries.push_back({select.getColumn(0).getString(), select.getColumn(1).getString(),
                           select.getColumn(2).getString(), select.getColumn(3).getString(),
                           select.getColumn(4).getDouble(),
                           probability.isNull() ? std::numeric_limits<double>::quiet_NaN() : probability.getDouble()});
    }
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "read explanations", error);
  }
  return summaries;
}

std::vector<Workspace::Match> Workspace::load_matches(std::int64_t run_id) const {
  try {
    SQLite::Statement query(db(), "SELECT left_id, right_id, score FROM matches WHERE run_id = ? ORDER BY seq");
    query.bind(1, run_id);
    std::vector<Match> matches;
    while (query.executeStep()) {
      matches.emplace_back(query.getColumn(0).getString(), query.getColumn(1).getString(),
                           query.getColumn(2).getDouble());
    }
    return matches;
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "load matches", error);
  }
}

void Workspace::finish_run(std::int64_t run_id, const nlohmann::json& metrics) {
  try {
    SQLite::Statement update(db(), std::string("UPDATE runs SET status = 'done', metrics = ?, finished = ") + kNow +
                                       " WHERE id = ?");
    update.bind(1, to_text(metrics));
    update.bind(2, run_id);
    if (update.exec() == 0) throw InputError(prefix(path_) + "no " + run_name(run_id));
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "finish the run", error);
  }
}

void Workspace::fail_run(std::int64_t run_id, const std::string& error) {
  try {
    SQLite::Statement update(db(), std::string("UPDATE runs SET status = 'failed', error = ?, finished = ") + kNow +
                                       " WHERE id = ?");
    update.bind(1, error);
    update.bind(2, run_id);
    if (update.exec() == 0) throw InputError(prefix(path_) + "no " + run_name(run_id));
  } catch (const SQLite::Exception& error_in_db) {
    throw_failure(path_, "mark the run failed", error_in_db);
  }
}

std::optional<std::int64_t> Workspace::latest_run() const { return latest_run_matching(nullptr); }

std::optional<std::int64_t> Workspace::latest_run_of_teacher(const std::string& teacher) const {
  return latest_run_matching(&teacher);
}

std::optional<std::int64_t> Workspace::latest_run_matching(const std::string* teacher) const {
  try {
    SQLite::Statement query(db(), teacher == nullptr ? "SELECT max(id) FROM runs"
                                                     : "SELECT max(id) FROM runs WHERE json_valid(config) AND "
                                                       "json_extract(config, '$.teacher') = ?");
    if (teacher != nullptr) query.bind(1, *teacher);
    query.executeStep();
    const SQLite::Column id = query.getColumn(0);
    if (id.isNull()) return std::nullopt;
    return id.getInt64();
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "read runs", error);
  }
}

nlohmann::json Workspace::run_info(std::int64_t run_id) const {
  try {
    SQLite::Statement query(db(),
                            "SELECT status, tool_version, config, metrics, started, finished, error FROM runs WHERE id = ?");
    query.bind(1, run_id);
    if (!query.executeStep()) throw InputError(prefix(path_) + "no " + run_name(run_id));
    const std::string name = run_name(run_id);
    nlohmann::json info;
    info["id"] = run_id;
    info["status"] = query.getColumn(0).getString();
    info["tool_version"] = query.getColumn(1).getString();
    info["config"] = parse_stored(path_, query.getColumn(2).getString(), name + " config");
    const SQLite::Column metrics = query.getColumn(3);
    info["metrics"] =
        metrics.isNull() ? nlohmann::json() : parse_stored(path_, metrics.getString(), name + " metrics");
    info["started"] = query.getColumn(4).getString();
    const SQLite::Column finished = query.getColumn(5);
    info["finished"] = finished.isNull() ? nlohmann::json() : nlohmann::json(finished.getString());
    const SQLite::Column error = query.getColumn(6);
    info["error"] = error.isNull() ? nlohmann::json() : nlohmann::json(error.getString());

    SQLite::Statement components(db(), "SELECT kind, name FROM components WHERE run_id = ? ORDER BY kind");
    components.bind(1, run_id);
    info["components"] = nlohmann::json::object();
    while (components.executeStep()) {
      info["components"][components.getColumn(0).getString()] = components.getColumn(1).getString();
    }
    return info;
  } catch (const SQLite::Exception& error) {
    throw_failure(path_, "read the run", error);
  }
}

}  // namespace matchmaker::workspace
