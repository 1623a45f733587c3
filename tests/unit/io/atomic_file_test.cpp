#include "io/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "io/table_reader.h"
#include "matchmaker/error.h"
#include "unit/io/temp_dir.h"

namespace matchmaker::io {
namespace {

using testing::read_file;
using testing::TempDir;

std::string temp_path_of(const std::string& path) { return path + ".tmp-" + std::to_string(::getpid()); }

TEST(AtomicFile, CommitCreatesFileWithContents) {
  TempDir dir;
  const auto path = dir.file("out.csv");
  {
    AtomicFile file(path);
    file.stream() << "id,name\n1,Ada\n";
    EXPECT_FALSE(std::filesystem::exists(path));  // nothing visible before commit
    EXPECT_TRUE(std::filesystem::exists(temp_path_of(path)));
    file.commit();
  }
  EXPECT_EQ(read_file(path), "id,name\n1,Ada\n");
  EXPECT_FALSE(std::filesystem::exists(temp_path_of(path)));
}

TEST(AtomicFile, DestructionWithoutCommitLeavesNoFile) {
  TempDir dir;
  const auto path = dir.file("out.csv");
  {
    AtomicFile file(path);
    file.stream() << "partial";
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(temp_path_of(path)));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(AtomicFile, ExistingFileIsNotClobberedWithoutCommit) {
  TempDir dir;
  const auto path = dir.write("out.csv", "old good output\n");
  try {
    AtomicFile file(path);
    file.stream() << "half of the new out";
    throw std::runtime_error("the job failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(read_file(path), "old good output\n");
  EXPECT_FALSE(std::filesystem::exists(temp_path_of(path)));
}

TEST(AtomicFile, CommitReplacesExistingFile) {
  TempDir dir;
  const auto path = dir.write("out.csv", "old\n");
  AtomicFile file(path);
  file.stream() << "new\n";
  file.commit();
  EXPECT_EQ(read_file(path), "new\n");
}

TEST(RefuseOutputsOverInputs, AnOutputNamingAnInputOrAnotherOutputIsRefused) {
  TempDir dir;
  const std::string table = dir.write("left.csv", "id,name\n1,a\n");
  std::filesystem::create_directories(dir.file("graph"));
  const std::string graph_file = dir.write("graph/triples_1", "0\t1\t2\n");
  const auto message_of = [](const std::vector<std::string>& inputs, const std::vector<OutputOption>& outputs) {
    try {
      refuse_outputs_over_inputs(inputs, outputs);
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  EXPECT_EQ(message_of({table, ""}, {{"--out", table}}), "--out " + table + " is an input of this run (" + table +
                                                             "); it would be overwritten");
  // The same file by another spelling, and a file inside an input folder.
  EXPECT_NE(message_of({table}, {{"--out", dir.file("graph/../left.csv")}}), "");
  EXPECT_NE(message_of({dir.file("graph")}, {{"--metrics", graph_file}}).find("is an input of this run"), std::string::npos);
  EXPECT_EQ(message_of({table}, {{"--out", dir.file("out.csv")}, {"--metrics", dir.file("out.csv")}}),
            "--out and --metrics name the same file " + dir.file("out.csv"));
  // A file of the workspace's (its write-ahead log): deleted when the workspace closed.
  EXPECT_EQ(message_of({table}, {{"--workspace", dir.file("ws.db")}, {"--out", dir.file("ws.db-wal")}}),
            "--out " + dir.file("ws.db-wal") + " is a file of --workspace " + dir.file("ws.db"));
  // An input's SQLite files besides it (report --out over its workspace's -wal lost a killed run's answers).
  EXPECT_NE(message_of({dir.file("ws.db")}, {{"--out", dir.file("ws.db-wal")}}).find("is an input of this run"), std::string::npos);
  // A device takes several outputs, but standard output one only (two ran together).
  EXPECT_EQ(message_of({table}, {{"--metrics", "/dev/null"}, {"--export-sft", "/dev/null"}}), "");
  EXPECT_EQ(message_of({table}, {{"--out", "-"}, {"--metrics", "/dev/stdout"}}), "--out and --metrics name the same file /dev/stdout");
  // The same new file by two spellings (the metrics were lost).
  EXPECT_EQ(message_of({table}, {{"--out", dir.file("a.csv")}, {"--metrics", dir.file("sub/../a.csv")}}),
            "--out and --metrics name the same file " + dir.file("sub/../a.csv"));
  // A name no file system takes, derived ones too (OUT.batch.jsonl), found before any work.
  EXPECT_NE(message_of({table}, {{"the Batch API requests file", dir.file(std::string(250, 'q') + ".batch.jsonl")}})
                .find("longer than 255 bytes"),
            std::string::npos);
  // Outputs that do not exist yet, or are not given, are fine.
  EXPECT_EQ(message_of({table, dir.file("graph")}, {{"--out", dir.file("new.csv")}, {"--metrics", ""}, {"--workspace", ""}}), "");
}

TEST(AtomicFile, ADirectoryIsRefusedBeforeAnyWriting) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("out.csv"));
  try {
    AtomicFile file(dir.file("out.csv"));
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), dir.file("out.csv") + ": is a directory, not an output file");
  }
  EXPECT_TRUE(std::filesystem::is_directory(dir.file("out.csv")));
}

TEST(AtomicFile, UncreatableTemporaryFileThrowsInputError) {
  TempDir dir;
  const auto path = dir.file("no/such/dir/out.csv");
  try {
    AtomicFile file(path);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

// A symbolic link: the file it points to is replaced and the link stays (the rename replaced the link
// with a regular file, and the file it named kept its old text).
TEST(AtomicFile, ASymbolicLinkIsFollowedAndKept) {
  TempDir dir;
  const std::string target = dir.write("target.csv", "old\n");
  std::filesystem::create_symlink(target, dir.file("link.csv"));
  AtomicFile file(dir.file("link.csv"));
  file.stream() << "new\n";
  file.commit();
  EXPECT_TRUE(std::filesystem::is_symlink(dir.file("link.csv")));
  EXPECT_EQ(read_file(target), "new\n");
}

// A dangling link: the file it names is created and the link stays (it was replaced by a file).
TEST(AtomicFile, ADanglingLinkGetsItsFileCreated) {
  TempDir dir;
  std::filesystem::create_symlink("target.csv", dir.file("link.csv"));
  AtomicFile file(dir.file("link.csv"));
  file.stream() << "new\n";
  file.commit();
  EXPECT_TRUE(std::filesystem::is_symlink(dir.file("link.csv")));
  EXPECT_EQ(read_file(dir.file("target.csv")), "new\n");
}

// A relative link is resolved from its folder as the file system does: through a linked folder, "../x"
// is not the "x" beside the link's name (that wrote over an input).
TEST(AtomicFile, ARelativeLinkThroughALinkedFolderReplacesItsRealTarget) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("real/inner"));
  std::filesystem::create_directory_symlink(dir.file("real/inner"), dir.file("sub"));
  const std::string target = dir.write("real/out.csv", "old\n");
  const std::string bystander = dir.write("out.csv", "an input\n");
  std::filesystem::create_symlink("../out.csv", dir.file("real/inner/link.csv"));
  AtomicFile file(dir.file("sub/link.csv"));
  file.stream() << "new\n";
  file.commit();
  EXPECT_EQ(read_file(target), "new\n");
  EXPECT_EQ(read_file(bystander), "an input\n");
}

TEST(AtomicFile, ALinkLoopIsRefused) {
  TempDir dir;
  std::filesystem::create_symlink("b", dir.file("a"));
  std::filesystem::create_symlink("a", dir.file("b"));
  EXPECT_THROW(AtomicFile(dir.file("a")), InputError);
  EXPECT_TRUE(std::filesystem::is_symlink(dir.file("a")));
}

// "-" is written through the process's standard output as it is (a file opened again and replaced lost
// what was in it before, and what came after).
TEST(AtomicFile, DashIsStandardOutput) {
  ::testing::internal::CaptureStdout();
  {
    AtomicFile file("-");
    file.stream() << "left_id,right_id\n";
    file.commit();
  }
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "left_id,right_id\n");
  // A descriptor not open at start would be one of this run's own files (metrics spliced into the
  // matches).
  EXPECT_THROW(AtomicFile("/dev/fd/5"), InputError);
  EXPECT_TRUE(is_stream_output("-"));
  EXPECT_TRUE(is_stream_output("/dev/fd/2"));
  EXPECT_TRUE(is_stream_output("/dev/stderr"));
  EXPECT_TRUE(is_stream_output("/dev/null"));
  EXPECT_FALSE(is_stream_output("matches.csv"));
}

// A private output stays private (a 0600 file came back 0644).
TEST(AtomicFile, TheReplacedFileKeepsItsPermissions) {
  TempDir dir;
  const std::string path = dir.write("private.csv", "old\n");
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  AtomicFile file(path);
  file.stream() << "new\n";
  file.commit();
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(read_file(path), "new\n");
}

// A link planted at the temporary file's name is not followed (it wrote the victim, then the output
// became a link to it); another name is taken.
TEST(AtomicFile, ALinkAtTheTemporaryNameIsNotFollowed) {
  TempDir dir;
  const std::string victim = dir.write("victim.txt", "keep me\n");
  const std::string path = dir.file("out.csv");
  std::filesystem::create_symlink(victim, temp_path_of(path));
  {
    AtomicFile file(path);
    file.stream() << "matches\n";
    file.commit();
  }
  EXPECT_EQ(read_file(victim), "keep me\n");
  EXPECT_FALSE(std::filesystem::is_symlink(path));
  EXPECT_EQ(read_file(path), "matches\n");
}

// A device is written directly: renaming over /dev/null (or /dev/stdout, as root) replaced it.
TEST(AtomicFile, ADeviceIsWrittenDirectlyNotReplaced) {
  AtomicFile file("/dev/null");
  file.stream() << "nothing\n";
  file.commit();
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
}

// A name longer than a file system takes is refused at once (it failed at the rename, after all the work).
TEST(AtomicFile, ANameTooLongIsRefusedBeforeAnyWork) {
  TempDir dir;
  EXPECT_THROW(AtomicFile(dir.file(std::string(256, 'n'))), InputError);
}

// A name with no room for ".tmp-PID" (255 bytes is the most) still gets its output.
TEST(AtomicFile, ALongNameLeavesRoomForTheTemporaryFile) {
  TempDir dir;
  const std::string path = dir.file(std::string(250, 'n') + ".csv");
  AtomicFile file(path);
  file.stream() << "ok\n";
  file.commit();
  EXPECT_EQ(read_file(path), "ok\n");
}

// Outputs committed together: one that cannot be written leaves the other unreplaced (the metrics were
// replaced, then the matches failed on a full disk).
TEST(AtomicFile, CommitTogetherReplacesNoneWhenOneFails) {
  TempDir dir;
  const std::string first = dir.write("metrics.json", "old metrics\n");
  const std::string second = dir.write("matches.csv", "old matches\n");
  AtomicFile metrics(first);
  AtomicFile matches(second);
  metrics.stream() << "new metrics\n";
  matches.stream() << "new matches\n";
  matches.stream().setstate(std::ios::badbit);  // as a failed write leaves it
  EXPECT_THROW(commit_together({&metrics, &matches}), RuntimeFailure);
  EXPECT_EQ(read_file(first), "old metrics\n");
  EXPECT_EQ(read_file(second), "old matches\n");
}

TEST(CsvWriteField, QuotesOnlyWhenNeeded) {
  auto write = [](std::string_view value) {
    std::ostringstream out;
    write_csv_field(out, value);
    return out.str();
  };
  EXPECT_EQ(write("plain"), "plain");
  EXPECT_EQ(write(""), "");
  EXPECT_EQ(write("Müller 東京"), "Müller 東京");
  EXPECT_EQ(write("a,b"), "\"a,b\"");
  EXPECT_EQ(write("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(write("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(write("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(write("\""), "\"\"\"\"");
}

TEST(CsvRoundTrip, WriteThenReadGivesTheSameFields) {
  TempDir dir;
  const std::vector<std::vector<std::string>> rows = {
      {"id", "name", "notes"},
      {"1", "Smith, John", "said \"hello\""},
      {"2", "", "line one\nline two\r\nline three"},
      {"3", "Müller 東京 😀", ",\",\r"},
      {"\"4\"", " padded ", "\n"},
  };
  const auto path = dir.file("round_trip.csv");
  {
    AtomicFile file(path);
    for (const auto& row : rows) {
      for (std::size_t column = 0; column < row.size(); ++column) {
        if (column > 0) file.stream() << ',';
        write_csv_field(file.stream(), row[column]);
      }
      file.stream() << '\n';
    }
    file.commit();
  }
  TableReadOptions options;
  options.path = path;
  const Table table = read_table(options);
  ASSERT_EQ(table.columns(), rows[0]);
  ASSERT_EQ(table.num_rows(), rows.size() - 1);
  for (std::size_t row = 1; row < rows.size(); ++row) {
    for (std::size_t column = 0; column < rows[row].size(); ++column) {
      EXPECT_EQ(table.cell(row - 1, column), rows[row][column]) << "row " << row << " column " << column;
    }
  }
}

}  // namespace
}  // namespace matchmaker::io
