#include "io/table_reader.h"

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "matchmaker/error.h"
#include "matchmaker/table.h"
#include "unit/io/temp_dir.h"

namespace matchmaker::io {
namespace {

using testing::TempDir;

Table read(const std::string& path, const std::string& id_column = "id",
           TableFormat format = TableFormat::kAuto, char delimiter = '\0') {
  TableReadOptions options;
  options.path = path;
  options.id_column = id_column;
  options.format = format;
  options.delimiter = delimiter;
  return read_table(options);
}

std::vector<std::string> row_of(const Table& table, std::size_t row) {
  std::vector<std::string> cells;
  for (std::size_t column = 0; column < table.num_columns(); ++column)
    cells.emplace_back(table.cell(row, column));
  return cells;
}

// The InputError message of `action`, or "" (with a test failure) if it does not throw one.
std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "expected InputError, got another exception: " << error.what();
    return "";
  }
  ADD_FAILURE() << "expected InputError, nothing was thrown";
  return "";
}

// Asserts the message starts with "PATH:LINE: " (or "PATH: " for line 0) and contains every word.
void expect_error(const std::string& path, std::size_t line, std::initializer_list<std::string> words,
                  const std::function<void()>& action) {
  const std::string message = error_of(action);
  const std::string prefix = line == 0 ? path + ": " : path + ":" + std::to_string(line) + ": ";
  EXPECT_EQ(message.rfind(prefix, 0), 0u) << "message: " << message << "\nexpected prefix: " << prefix;
  for (const auto& word : words)
    EXPECT_NE(message.find(word), std::string::npos) << "message: " << message << "\nmissing: " << word;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "message is not one line: " << message;
}

void expect_read_error(const std::string& path, std::size_t line, std::initializer_list<std::string> words,
                       const std::string& id_column = "id") {
  expect_error(path, line, words, [&] { read(path, id_column); });
}

// ---------------------------------------------------------------------------------------------------
// CSV

TEST(CsvTableReader, ReadsHeaderAndRecords) {
  TempDir dir;
  const auto path = dir.write("people.csv", " id , name ,city\n1,Ada,London\n2,Alan,Wilmslow\n");
  const Table table = read(path);
  EXPECT_EQ(table.source(), path);
  EXPECT_EQ(table.columns(), (std::vector<std::string>{"id", "name", "city"}));  // names trimmed
  EXPECT_EQ(table.id_column(), 0u);
  ASSERT_EQ(table.num_rows(), 2u);
  EXPECT_EQ(row_of(table, 0), (std::vector<std::string>{"1", "Ada", "London"}));
  EXPECT_EQ(row_of(table, 1), (std::vector<std::string>{"2", "Alan", "Wilmslow"}));
  EXPECT_EQ(table.id(1), "2");
}

TEST(CsvTableReader, QuotedFieldsKeepDelimitersNewlinesAndQuotes) {
  TempDir dir;
  const auto path = dir.write("quoted.csv",
                              "id,name,notes\n"
                              "1,\"Smith, John\",\"line one\nline two\"\n"
                              "2,\"say \"\"hi\"\"\",\"\"\n"
                              "\"3\",\"\"\"\",\"a,\"\"b\"\",\nc\"\n");
  const Table table = read(path);
  ASSERT_EQ(table.num_rows(), 3u);
  EXPECT_EQ(row_of(table, 0), (std::vector<std::string>{"1", "Smith, John", "line one\nline two"}));
  EXPECT_EQ(row_of(table, 1), (std::vector<std::string>{"2", "say \"hi\"", ""}));
  EXPECT_EQ(row_of(table, 2), (std::vector<std::string>{"3", "\"", "a,\"b\",\nc"}));
}

TEST(CsvTableReader, SkipsUtf8ByteOrderMark) {
  TempDir dir;
  const auto path = dir.write("bom.csv", "\xEF\xBB\xBFid,name\n1,Ada\n");
  const Table table = read(path);
  EXPECT_EQ(table.columns(), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(table.find_column("id"), 0);
}

TEST(CsvTableReader, AcceptsCrlfLineEndings) {
  TempDir dir;
  const auto path = dir.write("crlf.csv", "id,name\r\n1,Ada\r\n2,\"two\r\nlines\"\r\n3,Bob\r\n");
  const Table table = read(path);
  ASSERT_EQ(table.num_rows(), 3u);
  EXPECT_EQ(table.columns(), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(table.cell(0, 1), "Ada");
  EXPECT_EQ(table.cell(1, 1), "two\r\nlines");  // line breaks inside quotes are data, kept as written
  EXPECT_EQ(table.cell(2, 1), "Bob");
}

TEST(CsvTableReader, EmptyFieldsAreEmptyStrings) {
  TempDir dir;
  const auto path = dir.write("empty_fields.csv", "id,a,b,c\n1,,,\n2,x,,\"\"\n3,,y,\n");
  const Table table = read(path);
  ASSERT_EQ(table.num_rows(), 3u);
  EXPECT_EQ(row_of(table, 0), (std::vector<std::string>{"1", "", "", ""}));
  EXPECT_EQ(row_of(table, 1), (std::vector<std::string>{"2", "x", "", ""}));
  EXPECT_EQ(row_of(table, 2), (std::vector<std::string>{"3", "", "y", ""}));
}

TEST(CsvTableReader, FinalLineBreakIsOptional) {
  TempDir dir;
  const auto without = read(dir.write("no_newline.csv", "id,name\n1,Ada\n2,\"Bob\""));
  ASSERT_EQ(without.num_rows(), 2u);
  EXPECT_EQ(without.cell(1, 1), "Bob");
  const auto trailing_delimiter = read(dir.write("trailing_comma.csv", "id,name\n1,"));
  ASSERT_EQ(trailing_delimiter.num_rows(), 1u);
  EXPECT_EQ(trailing_delimiter.cell(0, 1), "");
}

TEST(CsvTableReader, IgnoresBlankLinesAtTheEnd) {
  TempDir dir;
  const Table table = read(dir.write("blank_end.csv", "id,name\n1,Ada\n\n\r\n\n"));
  EXPECT_EQ(table.num_rows(), 1u);
}

TEST(CsvTableReader, KeepsUnicodeValues) {
  TempDir dir;
  const auto path = dir.write("unicode.csv", "id,name,city\nü1,Müller,東京\n2,\"Zoë 😀, Ltd\",São Paulo\n");
  const Table table = read(path);
  ASSERT_EQ(table.num_rows(), 2u);
  EXPECT_EQ(row_of(table, 0), (std::vector<std::string>{"ü1", "Müller", "東京"}));
  EXPECT_EQ(row_of(table, 1), (std::vector<std::string>{"2", "Zoë 😀, Ltd", "São Paulo"}));
}

TEST(CsvTableReader, CustomDelimiter) {
  TempDir dir;
  const auto path = dir.write("semicolon.csv", "id;name;price\n1;\"Smith; John\";1,50\n");
  const Table table = read(path, "id", TableFormat::kCsv, ';');
  ASSERT_EQ(table.num_rows(), 1u);
  EXPECT_EQ(row_of(table, 0), (std::vector<std::string>{"1", "Smith; John", "1,50"}));
}

TEST(CsvTableReader, CustomIdColumn) {
  TempDir dir;
  const auto path = dir.write("sku.csv", "name,sku\nWidget,W-1\nGadget,G-2\n");
  const Table table = read(path, "sku");
  EXPECT_EQ(table.id_column(), 1u);
  EXPECT_EQ(table.id(0), "W-1");
  EXPECT_EQ(table.id(1), "G-2");
}

TEST(CsvTableReader, QuoteInsideUnquotedFieldIsLiteral) {
  TempDir dir;
  const Table table = read(dir.write("inch.csv", "id,size\n1,12\" pizza\n"));
  EXPECT_EQ(table.cell(0, 1), "12\" pizza");
}

TEST(CsvTableReader, SingleColumnTable) {
  TempDir dir;
  const Table table = read(dir.write("ids.csv", "id\na\nb\n"));
  ASSERT_EQ(table.num_rows(), 2u);
  EXPECT_EQ(table.id(1), "b");
}

TEST(CsvTableReader, LoneCarriageReturnsEndLines) {
  // Old Mac files: no LF at all, so the id table also grows past its line-count estimate.
  TempDir dir;
  std::string csv = "id,name\r";
  for (int row = 0; row < 1000; ++row) csv += std::to_string(row) + ",name " + std::to_string(row) + "\r";
  const Table table = read(dir.write("mac.csv", csv));
  ASSERT_EQ(table.num_rows(), 1000u);
  EXPECT_EQ(table.cell(999, 1), "name 999");
  expect_read_error(dir.write("mac_dup.csv", csv + "500,again\r"), 1002, {"duplicate id '500'", "line 502"});
  expect_read_error(dir.write("mac_ragged.csv", "id,name\r1,a\r\"x\ry\"\r"), 3, {"ragged", "found 1"});
}

TEST(CsvTableReader, ManyRowsWithMultilineFields) {
  TempDir dir;
  std::string csv = "id,text,n\n";
  constexpr int kRows = 20000;
  for (int row = 0; row < kRows; ++row) {
    csv += std::to_string(row) + ",\"row " + std::to_string(row) + ", \"\"quoted\"\"\nsecond line\"," +
           std::to_string(row * 2) + "\n";
  }
  const Table table = read(dir.write("many.csv", csv));
  ASSERT_EQ(table.num_rows(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(table.cell(12345, 1), "row 12345, \"quoted\"\nsecond line");
  EXPECT_EQ(table.cell(kRows - 1, 2), std::to_string((kRows - 1) * 2));
}

// ---------------------------------------------------------------------------------------------------
// TSV and format selection

TEST(TsvTableReader, ReadsByExtensionWithQuotes) {
  TempDir dir;
  const auto path = dir.write("items.tsv", "id\tname\tnote\n1\tAda\t\"tab\there\"\n2\tMüller\t\n");
  const Table table = read(path);
  ASSERT_EQ(table.num_rows(), 2u);
  EXPECT_EQ(row_of(table, 0), (std::vector<std::string>{"1", "Ada", "tab\there"}));
  EXPECT_EQ(row_of(table, 1), (std::vector<std::string>{"2", "Müller", ""}));
  // A comma is ordinary data in TSV.
  const Table commas = read(dir.write("commas.tab", "id\tname\n1\tSmith, John\n"));
  EXPECT_EQ(commas.cell(0, 1), "Smith, John");
}

TEST(TsvTableReader, ExplicitFormatOverridesExtension) {
  TempDir dir;
  const auto path = dir.write("items.txt", "id\tname\n1\tAda\n");
  const Table table = read(path, "id", TableFormat::kTsv);
  EXPECT_EQ(table.columns(), (std::vector<std::string>{"id", "name"}));
}

TEST(TableFormatParse, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(parse_table_format("auto"), TableFormat::kAuto);
  EXPECT_EQ(parse_table_format("csv"), TableFormat::kCsv);
  EXPECT_EQ(parse_table_format("tsv"), TableFormat::kTsv);
  EXPECT_EQ(parse_table_format("jsonl"), TableFormat::kJsonl);
  const std::string message = error_of([] { parse_table_format("xlsx"); });
  EXPECT_NE(message.find("xlsx"), std::string::npos) << message;
  EXPECT_NE(message.find("auto, csv, tsv or jsonl"), std::string::npos) << message;
}

// ---------------------------------------------------------------------------------------------------
// CSV errors

TEST(CsvTableReaderErrors, MissingFile) {
  TempDir dir;
  const auto path = dir.file("nope.csv");
  expect_read_error(path, 0, {"not found"});
}

TEST(CsvTableReaderErrors, DirectoryInsteadOfFile) {
  TempDir dir;
  expect_read_error(dir.path().string(), 0, {"directory"});
}

TEST(CsvTableReaderErrors, UnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can read any file";
  TempDir dir;
  const auto path = dir.write("secret.csv", "id\n1\n");
  std::filesystem::permissions(path, std::filesystem::perms::none);
  expect_read_error(path, 0, {"cannot open"});
}

TEST(CsvTableReaderErrors, EmptyFile) {
  TempDir dir;
  expect_read_error(dir.write("empty.csv", ""), 0, {"empty"});
  expect_read_error(dir.write("bom_only.csv", "\xEF\xBB\xBF"), 0, {"empty"});
  expect_read_error(dir.write("newlines.csv", "\n\r\n"), 0, {"empty"});
}

TEST(CsvTableReaderErrors, HeaderWithoutRecords) {
  TempDir dir;
  expect_read_error(dir.write("header.csv", "id,name\n"), 0, {"no records"});
  expect_read_error(dir.write("header_blank.csv", "id,name\n\n"), 0, {"no records"});
}

TEST(CsvTableReaderErrors, MissingIdColumnListsColumns) {
  TempDir dir;
  const auto path = dir.write("noid.csv", "key,name\n1,Ada\n");
  expect_read_error(path, 1, {"missing id column 'id'", "'key'", "'name'"});
  expect_read_error(path, 1, {"missing id column 'sku'", "'key', 'name'"}, "sku");
}

TEST(CsvTableReaderErrors, EmptyId) {
  TempDir dir;
  expect_read_error(dir.write("empty_id.csv", "id,name\n1,Ada\n,Bob\n"), 3, {"empty id", "'id'"});
  expect_read_error(dir.write("quoted_empty_id.csv", "name,id\nAda,1\nBob,\"\"\n"), 3, {"empty id"});
}

TEST(CsvTableReaderErrors, DuplicateIdNamesBothLines) {
  TempDir dir;
  const auto path = dir.write("dup.csv", "id,name\n7,Ada\n8,\"multi\nline\"\n7,Bob\n");
  expect_read_error(path, 5, {"duplicate id '7'", "line 2"});
}

TEST(CsvTableReaderErrors, RaggedRowSaysExpectedAndFound) {
  TempDir dir;
  expect_read_error(dir.write("short.csv", "id,name,city\n1,Ada,London\n2,Bob\n"), 3,
                    {"ragged", "expected 3", "found 2"});
  expect_read_error(dir.write("long.csv", "id,name\n1,Ada\n2,Bob,extra\n"), 3,
                    {"ragged", "expected 2", "found 3"});
  // A record after a quoted multi-line field is reported at its own physical line.
  expect_read_error(dir.write("after_multiline.csv", "id,name\n1,\"a\nb\nc\"\n2\n"), 5,
                    {"ragged", "found 1"});
}

TEST(CsvTableReaderErrors, BlankLineInTheMiddleIsRagged) {
  TempDir dir;
  expect_read_error(dir.write("blank_middle.csv", "id,name\n1,Ada\n\n2,Bob\n"), 3, {"ragged", "found 1"});
}

TEST(CsvTableReaderErrors, UnterminatedQuoteNamesTheLineWhereTheFieldStarts) {
  TempDir dir;
  const auto path = dir.write("unterminated.csv", "id,name\n1,Ada\n2,\"Bob\n3,Carol\n4,Dan\n");
  expect_read_error(path, 3, {"unterminated", "'name'", "line 3"});
  const auto later = dir.write("unterminated_later.csv", "id,name,note\n1,\"ok\nstill ok\",\"open\n\n");
  expect_read_error(later, 2, {"unterminated", "'note'", "line 3"});
  expect_read_error(dir.write("unterminated_header.csv", "id,\"name\n1,Ada\n"), 1,
                    {"unterminated", "field 2"});
}

TEST(CsvTableReaderErrors, TextAfterClosingQuote) {
  TempDir dir;
  expect_read_error(dir.write("after_quote.csv", "id,name\n1,\"Ada\"x\n"), 2,
                    {"after the closing quote", "'name'"});
}

TEST(CsvTableReaderErrors, InvalidUtf8NamesLineAndColumn) {
  TempDir dir;
  expect_read_error(dir.write("latin1.csv",
                              "id,name,city\n1,Ada,London\n2,M\xFC"
                              "ller,Berlin\n"),
                    3, {"invalid UTF-8", "'name'"});
  // Overlong encoding and a UTF-16 surrogate are not UTF-8 either.
  expect_read_error(dir.write("overlong.csv", "id,name\n1,\xC0\xAF\n"), 2, {"invalid UTF-8", "'name'"});
  expect_read_error(dir.write("surrogate.csv", "id,name\n1,x\n2,\"a\nb\xED\xA0\x80\"\n"), 3,
                    {"invalid UTF-8", "'name'"});
  expect_read_error(dir.write("truncated.csv", "id,name\n1,\xE6\x9D"), 2, {"invalid UTF-8", "'name'"});
  // A NUL byte is valid UTF-8 but no text (it was read into the field); UTF-16 is full of them.
  expect_read_error(dir.write("nul.csv", std::string("id,name\n1,Ada\n2,B\0b\n", 18)), 3, {"a NUL byte", "'name'"});
  expect_read_error(dir.write("utf16.csv", std::string("\xFF\xFEi\0d\0", 6)), 1, {"UTF-16"});
  expect_read_error(dir.write("header_utf8.csv",
                              "id,n\xFF"
                              "me\n1,Ada\n"),
                    1, {"invalid UTF-8", "header"});
}

TEST(CsvTableReaderErrors, DuplicateColumnName) {
  TempDir dir;
  expect_read_error(dir.write("dup_column.csv", "id,name, name\n1,a,b\n"), 1, {"duplicate column", "'name'"});
}

TEST(CsvTableReaderErrors, MessageQuotesOddIdsOnOneLine) {
  TempDir dir;
  const auto path = dir.write("odd_ids.csv", "id\n\"a\nb\"\n\"a\nb\"\n");
  expect_read_error(path, 4, {"duplicate id 'a\\nb'", "line 2"});
}

// ---------------------------------------------------------------------------------------------------
// JSONL

TEST(JsonlTableReader, ReadsObjectsWithUnionOfKeys) {
  TempDir dir;
  const auto path = dir.write("items.jsonl",
                              "{\"id\": 1, \"name\": \"Ada\"}\n"
                              "{\"name\": \"Bob\", \"id\": \"b2\", \"city\": \"東京\"}\n"
                              "{\"id\": 3, \"city\": null, \"age\": 42}\n");
  const Table table = read(path);
  EXPECT_EQ(table.columns(), (std::vector<std::string>{"id", "name", "city", "age"}));
  EXPECT_EQ(table.id_column(), 0u);
  ASSERT_EQ(table.num_rows(), 3u);
  EXPECT_EQ(row_of(table, 0), (std::vector<std::string>{"1", "Ada", "", ""}));  // missing keys are empty
  EXPECT_EQ(row_of(table, 1), (std::vector<std::string>{"b2", "Bob", "東京", ""}));
  EXPECT_EQ(row_of(table, 2), (std::vector<std::string>{"3", "", "", "42"}));  // null is empty
}

TEST(JsonlTableReader, ConvertsScalarsAndNestedValuesToText) {
  TempDir dir;
  const auto path =
      dir.write("values.ndjson",
                "{\"id\": 10, \"price\": 19.90, \"big\": 1e3, \"neg\": -7, \"ok\": true, \"no\": false,"
                " \"tags\": [ \"a\", 1, {\"k\" : \"v w\"} ], \"dims\": { \"w\": 2 , \"h\": [ ] },"
                " \"text\": \"caf\\u00e9 \\\"q\\\"\\n\", \"emoji\": \"😀\"}\n");
  const Table table = read(path);
  ASSERT_EQ(table.num_rows(), 1u);
  auto cell = [&](const char* name) {
    return std::string(table.cell(0, static_cast<std::size_t>(table.find_column(name))));
  };
  EXPECT_EQ(cell("id"), "10");
  EXPECT_EQ(cell("price"), "19.90");  // the number as written
  EXPECT_EQ(cell("big"), "1e3");
  EXPECT_EQ(cell("neg"), "-7");
  EXPECT_EQ(cell("ok"), "true");
  EXPECT_EQ(cell("no"), "false");
  EXPECT_EQ(cell("tags"), "[\"a\",1,{\"k\":\"v w\"}]");  // compact JSON, spaces inside strings kept
  EXPECT_EQ(cell("dims"), "{\"w\":2,\"h\":[]}");
  EXPECT_EQ(cell("text"), "café \"q\"\n");  // strings are unescaped
  EXPECT_EQ(cell("emoji"), "😀");
}

// Valid JSON numbers past 64 bits were refused as "invalid JSON": an EAN written as a number.
TEST(JsonlTableReader, NumbersBeyond64BitsKeepTheirText) {
  TempDir dir;
  const Table table = read(dir.write("big.jsonl", "{\"id\": 123456789012345678901234, \"ean\": -1e400, \"tags\": [1]}\n"
                                                 "{\"id\": \"b\", \"ean\": 5}\n"));
  ASSERT_EQ(table.num_rows(), 2u);
  EXPECT_EQ(table.id(0), "123456789012345678901234");
  EXPECT_EQ(std::string(table.cell(0, static_cast<std::size_t>(table.find_column("ean")))), "-1e400");
  EXPECT_EQ(std::string(table.cell(0, static_cast<std::size_t>(table.find_column("tags")))), "[1]");
  EXPECT_EQ(std::string(table.cell(1, static_cast<std::size_t>(table.find_column("ean")))), "5");
}

TEST(JsonlTableReader, SkipsBlankLinesAndHandlesCrlfAndBom) {
  TempDir dir;
  const auto path =
      dir.write("crlf.jsonl", "\xEF\xBB\xBF{\"id\":\"a\"}\r\n\r\n   \n{\"id\":\"b\",\"x\":\"y\"}\r\n\n");
  const Table table = read(path);
  ASSERT_EQ(table.num_rows(), 2u);
  EXPECT_EQ(table.id(0), "a");
  EXPECT_EQ(table.id(1), "b");
  EXPECT_EQ(table.cell(1, 1), "y");
}

TEST(JsonlTableReader, CustomIdColumnAndNoFinalNewline) {
  TempDir dir;
  const Table table =
      read(dir.write("sku.jsonl", "{\"name\":\"w\",\"sku\":123}\n{\"name\":\"g\",\"sku\":\"G\"}"), "sku");
  EXPECT_EQ(table.id_column(), 1u);
  EXPECT_EQ(table.id(0), "123");
  EXPECT_EQ(table.id(1), "G");
}

TEST(JsonlTableReaderErrors, NotAnObject) {
  TempDir dir;
  expect_read_error(dir.write("array.jsonl", "{\"id\":1}\n[1,2]\n"), 2, {"not a JSON object", "array"});
  expect_read_error(dir.write("string.jsonl", "\"id\"\n"), 1, {"not a JSON object"});
}

TEST(JsonlTableReaderErrors, InvalidJson) {
  TempDir dir;
  expect_read_error(dir.write("broken.jsonl", "{\"id\":1}\n\n{\"id\":2,}\n"), 3, {"invalid JSON"});
  expect_read_error(dir.write("two_objects.jsonl", "{\"id\":1}{\"id\":2}\n"), 1, {"invalid JSON"});
  expect_read_error(dir.write("unclosed.jsonl", "{\"id\":1\n"), 1, {"invalid JSON"});
}

TEST(JsonlTableReaderErrors, InvalidUtf8NamesLineAndColumn) {
  TempDir dir;
  expect_read_error(dir.write("latin1.jsonl",
                              "{\"id\":1,\"name\":\"ok\"}\n{\"id\":2,\"name\":\"M\xFC"
                              "ller\",\"x\":1}\n"),
                    2, {"invalid UTF-8", "'name'"});
}

TEST(JsonlTableReaderErrors, MissingIdListsKeys) {
  TempDir dir;
  expect_read_error(dir.write("noid.jsonl", "{\"key\":1,\"name\":\"a\"}\n"), 1,
                    {"missing id column 'id'", "'key'", "'name'"});
  expect_read_error(dir.write("noid_later.jsonl", "{\"id\":1}\n{\"name\":\"a\"}\n"), 2,
                    {"missing id column 'id'", "'name'"});
}

TEST(JsonlTableReaderErrors, EmptyNullAndNonScalarIds) {
  TempDir dir;
  expect_read_error(dir.write("empty_id.jsonl", "{\"id\":\"\"}\n"), 1, {"empty id"});
  expect_read_error(dir.write("null_id.jsonl", "{\"id\":1}\n{\"id\":null}\n"), 2, {"empty id", "null"});
  expect_read_error(dir.write("bool_id.jsonl", "{\"id\":true}\n"), 1, {"string or a number", "boolean"});
}

TEST(JsonlTableReaderErrors, DuplicateIdNamesBothLines) {
  TempDir dir;
  // A number and a string with the same text are the same id.
  expect_read_error(dir.write("dup.jsonl", "{\"id\":1}\n{\"id\":2}\n\n{\"id\":\"1\"}\n"), 4,
                    {"duplicate id '1'", "line 1"});
}

TEST(JsonlTableReaderErrors, DuplicateKey) {
  TempDir dir;
  expect_read_error(dir.write("dupkey.jsonl", "{\"id\":1,\"a\":1,\"a\":2}\n"), 1, {"duplicate key 'a'"});
}

TEST(JsonlTableReaderErrors, EmptyFile) {
  TempDir dir;
  expect_read_error(dir.write("empty.jsonl", ""), 0, {"empty"});
  expect_read_error(dir.write("blank.jsonl", "\n  \n\r\n"), 0, {"empty"});
}

}  // namespace
}  // namespace matchmaker::io
