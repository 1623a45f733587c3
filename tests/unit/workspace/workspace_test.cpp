#include "workspace/workspace.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "matchmaker/error.h"
#include "unit/io/temp_dir.h"

namespace matchmaker::workspace {
namespace {

using io::testing::read_file;
using io::testing::TempDir;

Workspace::CachedAnswer answer(std::string chosen, double confidence, std::string explanation = "why",
                               std::string raw = "{\"raw\":true}") {
  return {std::move(chosen), confidence, std::move(explanation), std::move(raw)};
}

// Runs `body` and returns the InputError message it throws ("" if it throws nothing).
template <typename Body>
std::string input_error_of(Body&& body) {
  try {
    body();
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(WorkspaceOpen, CreatesFileWithWalJournal) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  Workspace workspace = Workspace::open(path);
  EXPECT_EQ(workspace.path(), path);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(workspace.latest_run().has_value());
  workspace.begin_run({{"k", 1}});
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
  SQLite::Database raw(path);
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(raw.execAndGet("SELECT value FROM meta WHERE key = 'schema_version'").getInt64(), kSchemaVersion);
}

TEST(WorkspaceOpen, ReopenPersistsEverything) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  std::int64_t run = 0;
  {
    Workspace workspace = Workspace::open(path);
    run = workspace.begin_run({{"left", "a.csv"}, {"top_k", 10}});
    workspace.set_component(run, "normalizer", "nfkc_casefold_v1");
    workspace.set_component(run, "feature_set", "pair_features_v2");
    workspace.store_answer("openai:gpt", "key1", "q1", answer("r7", 0.9, "same name", "RAW"));
    workspace.store_model(run, "{\"learner\":{}}", {"name_jaccard", "year_equal"});
    workspace.store_matches(run, {{"l1", "r1", 0.95}, {"l2", "r2", 0.5}});
    workspace.finish_run(run, {{"f1", 0.8}});
  }
  Workspace workspace = Workspace::open(path);
  ASSERT_EQ(workspace.latest_run(), run);

  const nlohmann::json info = workspace.run_info(run);
  EXPECT_EQ(info["id"], run);
  EXPECT_EQ(info["status"], "done");
  EXPECT_EQ(info["tool_version"], MATCHMAKER_VERSION);
  EXPECT_EQ(info["config"], (nlohmann::json{{"left", "a.csv"}, {"top_k", 10}}));
  EXPECT_EQ(info["metrics"], (nlohmann::json{{"f1", 0.8}}));
  EXPECT_TRUE(info["started"].is_string());
  EXPECT_TRUE(info["finished"].is_string());
  EXPECT_EQ(info["components"],
            (nlohmann::json{{"feature_set", "pair_features_v2"}, {"normalizer", "nfkc_casefold_v1"}}));

  const auto cached = workspace.find_answer("openai:gpt", "key1");
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->chosen_id, "r7");
  EXPECT_DOUBLE_EQ(cached->confidence, 0.9);
  EXPECT_EQ(cached->explanation, "same name");
  EXPECT_EQ(cached->raw, "RAW");

  const auto model = workspace.load_model(run);
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->model_json, "{\"learner\":{}}");
  EXPECT_EQ(model->feature_names, (std::vector<std::string>{"name_jaccard", "year_equal"}));

  EXPECT_EQ(workspace.load_matches(run),
            (std::vector<Workspace::Match>{{"l1", "r1", 0.95}, {"l2", "r2", 0.5}}));
}

// Two runs on one workspace at once both paid for every question neither had answered yet (120
// requests for 60 questions): the second is refused while the first's workspace is open; readers
// (explain, report) are not runs and are not held up.
TEST(WorkspaceRuns, ASecondRunOnTheSameWorkspaceIsRefusedWhileTheFirstLasts) {
  TempDir dir;
  const auto path = dir.file("shared.mm");
  {
    Workspace first = Workspace::open(path);
    const std::int64_t run = first.begin_run({});
    EXPECT_GT(first.begin_run({}), run);  // the same process's workspace holds the lock already
    Workspace second = Workspace::open(path);
    EXPECT_EQ(second.latest_run(), run + 1);  // reading is fine
    try {
      second.begin_run({});
      FAIL() << "a second run began on a workspace in use";
    } catch (const InputError& error) {
      EXPECT_NE(std::string(error.what()).find("another matchmaker run is using it"), std::string::npos) << error.what();
    }
    Workspace moved = std::move(first);  // the lock moves with the workspace
    EXPECT_THROW(second.begin_run({}), InputError);
  }
  Workspace later = Workspace::open(path);
  EXPECT_NO_THROW(later.begin_run({}));
}

TEST(WorkspaceOpen, NotADatabaseIsInputErrorNamingTheFile) {
  TempDir dir;
  const auto path = dir.write("notes.mm", "id,name\n1,this is a CSV file, not a SQLite database\n");
  const std::string message = input_error_of([&] { Workspace::open(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("not a SQLite database"), std::string::npos) << message;
  EXPECT_EQ(read_file(path), "id,name\n1,this is a CSV file, not a SQLite database\n");  // left untouched
}

// Readers open without writing (explain and report failed on a workspace they could read but not
// write): what they read is there, nothing can be written through it, and a file needing an upgrade
// (a write) is refused with the way out.
TEST(WorkspaceOpen, ReadOnlyReadsRunsAndWritesNothing) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  std::int64_t run = 0;
  {
    Workspace workspace = Workspace::open(path);
    run = workspace.begin_run({{"task", "match"}});
    workspace.store_matches(run, {{"l1", "r1", 0.9}});
    workspace.finish_run(run, {{"f1", 0.8}});
  }
  {
    Workspace reader = Workspace::open_read_only(path);
    EXPECT_EQ(reader.latest_run(), run);
    EXPECT_EQ(reader.load_matches(run).size(), 1u);
    EXPECT_ANY_THROW(reader.store_answer("openai:x", "k", "q", answer("r1", 0.5, "", "")));
  }
  // Nothing left beside it (a read-only connection left its -wal and -shm behind).
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(path + "-shm"));
  EXPECT_NE(input_error_of([&] { Workspace::open_read_only(dir.write("empty.mm", "")); }).find("not a matchmaker workspace"),
            std::string::npos);
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE meta SET value = 2 WHERE key = 'schema_version'");
  }
  EXPECT_NE(input_error_of([&] { Workspace::open_read_only(path); }).find("needs an upgrade"), std::string::npos);
}

TEST(WorkspaceOpen, NewerSchemaVersionIsRefused) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  Workspace::open(path);
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE meta SET value = " + std::to_string(kSchemaVersion + 1) + " WHERE key = 'schema_version'");
  }
  const std::string message = input_error_of([&] { Workspace::open(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("schema version " + std::to_string(kSchemaVersion + 1)), std::string::npos) << message;
  EXPECT_NE(message.find("newer"), std::string::npos) << message;
}

TEST(WorkspaceOpen, VersionOneIsUpgradedKeepingItsRunsAndAnswers) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  std::int64_t run = 0;
  {
    auto workspace = Workspace::open(path);
    run = workspace.begin_run({{"teacher", "openai:x"}});
    workspace.store_answer("openai:x", "key-1", "q1", {"r7", 0.9, "same model code", "{\"answer\": \"[1]\"}"});
  }
  {
    // What a version-1 file looked like: no explanations table.
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("DROP TABLE explanations");
    raw.exec("UPDATE meta SET value = 1 WHERE key = 'schema_version'");
  }
  auto workspace = Workspace::open(path);
  EXPECT_EQ(workspace.count_answers("openai:x"), 1u);
  workspace.store_explanations(run, {{"q1", "r7", "match", "teacher", 1.0, {{"teacher", {{"rationale", "same model code"}}}}}});
  const auto explanations = workspace.load_explanations(run, "q1");
  ASSERT_EQ(explanations.size(), 1u);
  EXPECT_EQ(explanations[0].route, "teacher");
  EXPECT_EQ(explanations[0].detail["teacher"]["rationale"], "same model code");
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet("SELECT value FROM meta WHERE key = 'schema_version'").getInt64(), kSchemaVersion);
}

TEST(WorkspaceOpen, UpgradesVersion2RunsKeepingEveryRow) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  std::int64_t done = 0, running = 0;
  {
    auto workspace = Workspace::open(path);
    done = workspace.begin_run({{"teacher", "openai:x"}});
    workspace.set_component(done, "normalizer", "n1");
    workspace.store_model(done, "{}", {"f"});
    workspace.store_matches(done, {{"q1", "r1", 0.9}});
    workspace.finish_run(done, {{"f1", 0.5}});
    const std::int64_t deleted = workspace.begin_run({});
    running = workspace.begin_run({});
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("DELETE FROM runs WHERE id = " + std::to_string(deleted));
  }
  {
    // What a version-2 file looked like: no 'failed' status, no error column (the rows referencing runs
    // stay, as they would in a real file: foreign keys are off for this rewrite).
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec(R"sql(
CREATE TABLE runs_v2 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  status TEXT NOT NULL CHECK (status IN ('running', 'done')),
  tool_version TEXT NOT NULL, config TEXT NOT NULL, metrics TEXT, started TEXT NOT NULL, finished TEXT);
INSERT INTO runs_v2 SELECT id, status, tool_version, config, metrics, started, finished FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;
UPDATE meta SET value = 2 WHERE key = 'schema_version';
)sql");
  }
  auto workspace = Workspace::open(path);
  const auto info = workspace.run_info(done);
  EXPECT_EQ(info["status"], "done");
  EXPECT_EQ(info["metrics"]["f1"], 0.5);
  EXPECT_TRUE(info["error"].is_null());
  EXPECT_EQ(info["components"]["normalizer"], "n1");            // not cascaded away with the old table
  EXPECT_TRUE(workspace.load_model(done).has_value());
  EXPECT_EQ(workspace.load_matches(done).size(), 1u);
  EXPECT_EQ(workspace.run_info(running)["status"], "running");
  workspace.fail_run(running, "teacher unreachable");
  EXPECT_EQ(workspace.run_info(running)["status"], "failed");
  EXPECT_GT(workspace.begin_run({}), running);  // ids are never reused
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet("SELECT value FROM meta WHERE key = 'schema_version'").getInt64(), kSchemaVersion);
}

TEST(WorkspaceOpen, UnknownSchemaVersionIsRefused) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  Workspace::open(path);
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE meta SET value = 'banana' WHERE key = 'schema_version'");
  }
  const std::string message = input_error_of([&] { Workspace::open(path); });
  EXPECT_NE(message.find("unknown schema version 'banana'"), std::string::npos) << message;
}

TEST(WorkspaceOpen, OtherSqliteDatabaseIsRefusedAndLeftAlone) {
  TempDir dir;
  const auto path = dir.file("other.db");
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)");
  }
  const std::string message = input_error_of([&] { Workspace::open(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("not a matchmaker workspace"), std::string::npos) << message;
  SQLite::Database raw(path);
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "delete");
  EXPECT_FALSE(raw.tableExists("meta"));
}

TEST(WorkspaceOpen, MissingDirectoryIsInputError) {
  TempDir dir;
  const auto path = dir.file("no/such/dir/project.mm");
  const std::string message = input_error_of([&] { Workspace::open(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST(WorkspaceOpen, TwoConnectionsShareTheFile) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  Workspace first = Workspace::open(path);
  Workspace second = Workspace::open(path);
  first.store_answer("t", "k", "q", answer("c", 1.0));
  EXPECT_TRUE(second.find_answer("t", "k").has_value());
}

TEST(WorkspaceAnswers, FindMissingIsEmpty) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  EXPECT_FALSE(workspace.find_answer("teacher", "key").has_value());
}

TEST(WorkspaceAnswers, StoreThenFind) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  std::string raw("bytes\0with nul and \xff", 20);
  workspace.store_answer("teacher", "key", "q1", answer("", 0.25, "none fits", raw));
  const auto cached = workspace.find_answer("teacher", "key");
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->chosen_id, "");  // "none"
  EXPECT_DOUBLE_EQ(cached->confidence, 0.25);
  EXPECT_EQ(cached->explanation, "none fits");
  EXPECT_EQ(cached->raw, raw);
  EXPECT_FALSE(workspace.find_answer("other teacher", "key").has_value());  // keyed by teacher too
  EXPECT_FALSE(workspace.find_answer("teacher", "other key").has_value());
}

TEST(WorkspaceAnswers, DuplicateIsIgnoredAndFirstAnswerKept) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  workspace.store_answer("teacher", "key", "q1", answer("first", 0.9));
  EXPECT_NO_THROW(workspace.store_answer("teacher", "key", "q1", answer("second", 0.1)));
  EXPECT_EQ(workspace.count_answers("teacher"), 1u);
  EXPECT_EQ(workspace.find_answer("teacher", "key")->chosen_id, "first");
}

TEST(WorkspaceAnswers, CountIsPerTeacher) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  EXPECT_EQ(workspace.count_answers("a"), 0u);
  workspace.store_answer("a", "k1", "q1", answer("x", 1.0));
  workspace.store_answer("a", "k2", "q2", answer("y", 1.0));
  workspace.store_answer("b", "k1", "q1", answer("x", 1.0));
  EXPECT_EQ(workspace.count_answers("a"), 2u);
  EXPECT_EQ(workspace.count_answers("b"), 1u);
  EXPECT_EQ(workspace.count_answers("c"), 0u);
}

TEST(WorkspaceAnswers, NanConfidenceRoundTrips) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  workspace.store_answer("t", "k", "q", answer("c", std::numeric_limits<double>::quiet_NaN()));
  EXPECT_TRUE(std::isnan(workspace.find_answer("t", "k")->confidence));
}

TEST(WorkspaceComponents, SettingAKindAgainReplacesIt) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  const auto run = workspace.begin_run({});
  workspace.set_component(run, "feature_set", "x");
  workspace.set_component(run, "feature_set", "y");
  EXPECT_EQ(workspace.run_info(run)["components"], (nlohmann::json{{"feature_set", "y"}}));
}

TEST(WorkspaceComponents, UnknownRunIsRefused) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  Workspace workspace = Workspace::open(path);
  const auto run = workspace.begin_run({});
  EXPECT_EQ(input_error_of([&] { workspace.set_component(run + 1, "normalizer", "n"); }),
            "workspace " + path + ": no run " + std::to_string(run + 1));
}

TEST(WorkspaceMatches, StoreReplacesTheRunsEarlierMatches) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  const auto run = workspace.begin_run({});
  const auto other = workspace.begin_run({});
  workspace.store_matches(run, {{"a", "b", 0.9}, {"c", "d", 0.8}, {"e", "f", 0.7}});
  workspace.store_matches(other, {{"x", "y", 0.1}});
  workspace.store_matches(run, {{"c", "d", 0.6}});
  EXPECT_EQ(workspace.load_matches(run), (std::vector<Workspace::Match>{{"c", "d", 0.6}}));
  EXPECT_EQ(workspace.load_matches(other), (std::vector<Workspace::Match>{{"x", "y", 0.1}}));
  workspace.store_matches(run, {});
  EXPECT_TRUE(workspace.load_matches(run).empty());
}

TEST(WorkspaceMatches, UnknownRunIsRefusedAndNothingWritten) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  EXPECT_THROW(workspace.store_matches(42, {{"a", "b", 1.0}}), InputError);
  EXPECT_TRUE(workspace.load_matches(42).empty());
}

TEST(WorkspaceModel, StoreReplacesAndMissingIsEmpty) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  const auto run = workspace.begin_run({});
  EXPECT_FALSE(workspace.load_model(run).has_value());
  workspace.store_model(run, "old", {"a"});
  workspace.store_model(run, "new", {"b", "c"});
  const auto model = workspace.load_model(run);
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->model_json, "new");
  EXPECT_EQ(model->feature_names, (std::vector<std::string>{"b", "c"}));
  EXPECT_THROW(workspace.store_model(run + 1, "m", {}), InputError);
}

TEST(WorkspaceRuns, StatusGoesFromRunningToDone) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  const auto run = workspace.begin_run({{"seed", 7}});
  nlohmann::json info = workspace.run_info(run);
  EXPECT_EQ(info["status"], "running");
  EXPECT_TRUE(info["metrics"].is_null());
  EXPECT_TRUE(info["finished"].is_null());
  EXPECT_EQ(info["components"], nlohmann::json::object());
  workspace.finish_run(run, {{"pairs", 3}});
  info = workspace.run_info(run);
  EXPECT_EQ(info["status"], "done");
  EXPECT_EQ(info["metrics"], (nlohmann::json{{"pairs", 3}}));
  EXPECT_GE(info["finished"].get<std::string>(), info["started"].get<std::string>());
}

TEST(WorkspaceRuns, IdsIncreaseAndLatestIsTheLast) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  EXPECT_FALSE(workspace.latest_run().has_value());
  const auto first = workspace.begin_run({});
  const auto second = workspace.begin_run({});
  EXPECT_GT(second, first);
  EXPECT_EQ(workspace.latest_run(), second);
}

TEST(WorkspaceRuns, UnknownRunIsInputError) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  Workspace workspace = Workspace::open(path);
  EXPECT_EQ(input_error_of([&] { workspace.run_info(5); }), "workspace " + path + ": no run 5");
  EXPECT_EQ(input_error_of([&] { workspace.finish_run(5, {}); }), "workspace " + path + ": no run 5");
}

TEST(WorkspaceRuns, InvalidUtf8InConfigIsStoredReplaced) {
  TempDir dir;
  Workspace workspace = Workspace::open(dir.file("project.mm"));
  const auto run = workspace.begin_run({{"left", "caf\xe9.csv"}});
  EXPECT_EQ(workspace.run_info(run)["config"]["left"], "caf\xef\xbf\xbd.csv");
}

TEST(WorkspaceCrash, DataSurvivesClosingWithoutFinishRun) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  std::int64_t run = 0;
  {
    Workspace workspace = Workspace::open(path);
    run = workspace.begin_run({{"teacher", "t"}});
    workspace.store_answer("t", "key", "q1", answer("r1", 0.7));
  }  // destroyed without finish_run
  Workspace workspace = Workspace::open(path);
  ASSERT_TRUE(workspace.find_answer("t", "key").has_value());
  EXPECT_EQ(workspace.find_answer("t", "key")->chosen_id, "r1");
  EXPECT_EQ(workspace.latest_run(), run);
  EXPECT_EQ(workspace.run_info(run)["status"], "running");
}

TEST(WorkspaceRuns, FailedRunKeepsItsAnswersAndReason) {
  TempDir dir;
  auto workspace = Workspace::open(dir.file("project.mm"));
  const std::int64_t run = workspace.begin_run({{"teacher", "t"}});
  workspace.store_answer("t", "key", "q1", answer("r1", 0.7));
  workspace.fail_run(run, "data/left.csv:3: unterminated quoted field");
  const auto info = workspace.run_info(run);
  EXPECT_EQ(info["status"], "failed");
  EXPECT_EQ(info["error"], "data/left.csv:3: unterminated quoted field");
  EXPECT_TRUE(info["finished"].is_string());
  EXPECT_TRUE(info["metrics"].is_null());
  EXPECT_EQ(workspace.count_answers("t"), 1u);
  EXPECT_THROW(workspace.fail_run(run + 1, "no such run"), InputError);
}

TEST(WorkspaceExplanations, SummariesCarryTheCalibratedProbabilityWithoutTheDetail) {
  TempDir dir;
  auto workspace = Workspace::open(dir.file("project.mm"));
  const std::int64_t run = workspace.begin_run({});
  const nlohmann::json student = {{"student", {{"calibrated_probability", 0.62}, {"bias", -1.5}}}};
  workspace.store_explanations(run, {{"q2", "r1", "match", "teacher", 1.0, student},
                                     {"q1", "r9", "no match", "student", 0.2, {{"blocking_score", 0.4}}},
                                     {"q2", "r3", "match", "teacher", 0.7, student}});
  const auto summaries = workspace.load_decision_summaries(run);
  ASSERT_EQ(summaries.size(), 3u);
  EXPECT_EQ(summaries[0].left_id, "q1");  // by left id, then highest score first
  EXPECT_EQ(summaries[0].decision, "no match");
  EXPECT_TRUE(std::isnan(summaries[0].student_probability));  // no student in the detail
  EXPECT_EQ(summaries[1].right_id, "r1");
  EXPECT_EQ(summaries[1].route, "teacher");
  EXPECT_DOUBLE_EQ(summaries[1].student_probability, 0.62);
  EXPECT_EQ(summaries[2].right_id, "r3");
  EXPECT_DOUBLE_EQ(summaries[2].score, 0.7);
  EXPECT_THROW(workspace.load_decision_summaries(run + 1), InputError);
}

TEST(WorkspaceExplanations, WriterAddsInChunksAndReplacesOnlyOnCommit) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  auto workspace = Workspace::open(path);
  const std::int64_t run = workspace.begin_run({});
  workspace.store_explanations(run, {{"q1", "old", "match", "student", 0.9, {{"blocking_score", 0.5}}}});
  {
    auto writer = workspace.write_explanations(run);
    const std::vector<Workspace::Explanation> first{{"q1", "r1", "match", "student", 0.8, {{"blocking_score", 0.6}}}};
    const std::vector<Workspace::Explanation> second{{"q2", "r2", "no match", "student", 0.1, {{"blocking_score", 0.2}}},
                                                     {"q3", "r3", "match", "teacher", 1.0, {{"blocking_score", 0.3}}}};
    writer.add(first);
    writer.add(second);
    // Another connection sees the old explanation until the commit.
    {
      auto reader = Workspace::open(path);
      const auto seen = reader.load_explanations(run, "q1");
      ASSERT_EQ(seen.size(), 1u);
      EXPECT_EQ(seen[0].right_id, "old");
    }
    EXPECT_EQ(writer.commit(), 3u);
    EXPECT_THROW(writer.commit(), std::logic_error);
  }
  ASSERT_EQ(workspace.load_explanations(run, "q1").size(), 1u);
  EXPECT_EQ(workspace.load_explanations(run, "q1")[0].right_id, "r1");
  EXPECT_EQ(workspace.load_explanations(run, "q3")[0].route, "teacher");
  EXPECT_EQ(workspace.load_decision_summaries(run).size(), 3u);
}

TEST(WorkspaceExplanations, WriterDroppedWithoutCommitKeepsTheOldOnesAndFreesTheWorkspace) {
  TempDir dir;
  auto workspace = Workspace::open(dir.file("project.mm"));
  const std::int64_t run = workspace.begin_run({});
  workspace.store_explanations(run, {{"q1", "old", "match", "student", 0.9, {{"blocking_score", 0.5}}}});
  {
    auto writer = workspace.write_explanations(run);
    const std::vector<Workspace::Explanation> chunk{{"q1", "new", "match", "student", 0.8, {{"blocking_score", 0.6}}}};
    writer.add(chunk);
  }  // e.g. the run failed half-way through explaining
  ASSERT_EQ(workspace.load_explanations(run, "q1").size(), 1u);
  EXPECT_EQ(workspace.load_explanations(run, "q1")[0].right_id, "old");
  workspace.fail_run(run, "stopped");  // the workspace takes other writes again
  EXPECT_EQ(workspace.run_info(run)["status"], "failed");
  EXPECT_THROW(workspace.write_explanations(run + 1), InputError);
}

TEST(WorkspaceCrash, AnswerSurvivesKillDashNine) {
  TempDir dir;
  const auto path = dir.file("project.mm");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      Workspace workspace = Workspace::open(path);
      workspace.begin_run({});
      workspace.store_answer("t", "key", "q1", answer("r1", 0.7));
      ::kill(::getpid(), SIGKILL);  // no destructor, no close, no checkpoint
    } catch (...) {
    }
    ::_exit(3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child failed before the kill";
  Workspace workspace = Workspace::open(path);
  ASSERT_TRUE(workspace.find_answer("t", "key").has_value());
  EXPECT_EQ(workspace.count_answers("t"), 1u);
  EXPECT_EQ(workspace.run_info(*workspace.latest_run())["status"], "running");
}

TEST(WorkspaceMove, MovedToObjectKeepsWorking) {
  TempDir dir;
  Workspace first = Workspace::open(dir.file("a.mm"));
  first.store_answer("t", "k", "q", answer("c", 1.0));
  Workspace moved = std::move(first);
  EXPECT_EQ(moved.count_answers("t"), 1u);
  Workspace other = Workspace::open(dir.file("b.mm"));
  other = std::move(moved);
  EXPECT_EQ(other.path(), dir.file("a.mm"));
  EXPECT_TRUE(other.find_answer("t", "k").has_value());
}

}  // namespace
}  // namespace matchmaker::workspace
