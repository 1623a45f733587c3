// matchmaker-replay-server: an OpenAI-compatible chat-completions endpoint that answers matchmaker's
// select prompts from recordings of a real LLM (DistillER response files), so that the live HTTP
// client path can be tested end to end on real LLM decisions, offline and for free. Faults (429 with
// Retry-After, 500, slow answers, cut connections, malformed bodies, impossible candidate numbers,
// refusals) can be injected at random rates, for the first N requests, or per request with the
// X-Replay-Fault header, so reliability tests can script exact sequences.
//
// How a request is answered:
//  1. The select prompt (teacher/prompt.cpp, build_select_prompt) is parsed back into the query
//     record's text and the candidates' texts, in prompt order.
//  2. Each text is looked up in a map serialize_record(table, row) -> ids built from --left / --right
//     with the same SerializeOptions the prompt was built with (--max-value-chars). Record text never
//     contains '[' or ']' (neutralize_text), so the prompt's fences cannot be faked by data.
//     Two records with the same serialisation are ambiguous: the query takes the first of them (table
//     order) that has a recording, a candidate the first that is not the query itself (deduplication).
//  3. The replay rule (decide_replay, shared with the replay teacher) picks a position, answered as
//     {"answer": "[n]", "explanation": ..., "confidence": c}, n 1-based in prompt order, 0 = none.
//
// Only the position travels over HTTP: the replay teacher's "judged" mask (which shown candidates the
// recorded model actually saw) is sent as the X-Replay-Judged header ("1,0,1") for tests, and an
// ordinary OpenAI client ignores it.
#include <httplib.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <CLI/CLI.hpp>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "eval/gold.h"
#include "io/table_reader.h"
#include "matchmaker/error.h"
#include "teacher/prompt.h"
#include "teacher/replay_teacher.h"

namespace {

using matchmaker::InputError;
using matchmaker::Table;
namespace teacher = matchmaker::teacher;

constexpr int kExitBadInput = 2;
constexpr int kExitFailure = 1;
constexpr const char* kModelName = "replay";
// The lines build_select_prompt() lays a select prompt out with (teacher/prompt.cpp). A change there
// must be mirrored here; the e2e test builds its prompts with build_select_prompt, so it would fail.
constexpr std::string_view kGivenRecordLine = "Given record:";
constexpr std::string_view kCandidatesLine = "Candidate records:";
constexpr std::string_view kRecordOpen = "[RECORD]";
constexpr std::string_view kRecordClose = "[END RECORD]";
constexpr std::string_view kEmptyRecord = "(empty record)";  // what an all-empty record is shown as
constexpr std::string_view kFaultHeader = "X-Replay-Fault";
constexpr std::size_t kMaxBodyBytes = 64u << 20;
// A real chat answer averages about four characters per token; close enough for budget tests.
constexpr std::size_t kCharsPerToken = 4;

// ---- faults -------------------------------------------------------------------------------------

enum class Fault { kNone, k429, k500, kSlow, kCut, kMalformed, kBadCandidate, kRefuse };
constexpr std::size_t kNumFaults = 8;
// Also the X-Replay-Fault values, indexed by Fault.
constexpr std::array<std::string_view, kNumFaults> kFaultNames = {"none", "429",       "500",        "slow",
                                                                  "cut",  "malformed", "bad-candidate", "refuse"};

std::optional<Fault> fault_from_name(std::string_view name) {
  for (std::size_t idx = 0; idx < kNumFaults; ++idx) {
    if (kFaultNames[idx] == name) return static_cast<Fault>(idx);
  }
  return std::nullopt;
}

struct FaultConfig {
  // Probabilities per chat request, indexed by Fault (kNone's entry is unused); they must sum to <= 1.
  std::array<double, kNumFaults> rates{};
  double retry_after_seconds = 1.0;
  double slow_seconds = 5.0;
  std::uint64_t fail_first = 0;  // the first N chat requests get 500
  std::uint64_t seed = 1;
};

// ---- the select prompt, parsed back ---------------------------------------------------------------

struct ParsedPrompt {
  std::string query;                    // the record text between the fences ("(empty record)" kept)
  std::vector<std::string> candidates;  // in prompt order: candidates[i] is "[i+1]"
};

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // tolerate CRLF from a proxy
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

// Reads "[RECORD]", the record line and "[END RECORD]" starting at lines[at]; advances past them.
std::optional<std::string> read_fenced_record(const std::vector<std::string_view>& lines, std::size_t& at) {
  if (at + 2 >= lines.size() || lines[at] != kRecordOpen || lines[at + 2] != kRecordClose) return std::nullopt;
  std::string record(lines[at + 1]);
  at += 3;
  return record;
}

void skip_blank(const std::vector<std::string_view>& lines, std::size_t& at) {
  while (at < lines.size() && lines[at].empty()) ++at;
}

// The layout of build_select_prompt(): a "Given record:" line, the fenced query record, a "Candidate
// records:" line, then for n = 1..k a "[n]" line and a fenced record, blank lines between blocks.
// Strictly sequential numbering; the first line that is not "[k+1]" ends the list. Nothing else of the
// prompt (instructions, answer format) is looked at, so a rewording there does not break the server.
std::optional<ParsedPrompt> parse_select_prompt(std::string_view text, std::string& error) {
  const std::vector<std::string_view> lines = split_lines(text);
  std::size_t at = 0;
  while (at < lines.size() && lines[at] != kGivenRecordLine) ++at;
  if (at == lines.size()) {
    error = "no \"Given record:\" line: not a matchmaker select prompt";
    return std::nullopt;
  }
  ++at;
  ParsedPrompt prompt;
  auto query = read_fenced_record(lines, at);
  if (!query) {
    error = "the given record is not a [RECORD] / record / [END RECORD] block";
    return std::nullopt;
  }
  prompt.query = std::move(*query);
  skip_blank(lines, at);
  if (at == lines.size() || lines[at] != kCandidatesLine) {
    error = "no \"Candidate records:\" line after the given record";
    return std::nullopt;
  }
  ++at;
  for (;;) {
    skip_blank(lines, at);
    const std::string number = "[" + std::to_string(prompt.candidates.size() + 1) + "]";
    if (at == lines.size() || lines[at] != number) break;
    ++at;
    auto candidate = read_fenced_record(lines, at);
    if (!candidate) {
      error = "candidate " + number + " is not a [RECORD] / record / [END RECORD] block";
      return std::nullopt;
    }
    prompt.candidates.push_back(std::move(*candidate));
  }
  if (prompt.candidates.empty()) {
    error = "no numbered candidate ([1]) after \"Candidate records:\"";
    return std::nullopt;
  }
  return prompt;
}

// The text of a chat message's content: a string, or the text parts of a content-parts array.
std::string message_text(const nlohmann::json& message) {
  const auto content = message.find("content");
  if (content == message.end()) return {};
  if (content->is_string()) return content->get<std::string>();
  std::string text;
  if (content->is_array()) {
    for (const auto& part : *content) {
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string()) {
        text += part["text"].get<std::string>();
      }
    }
  }
  return text;
}

// ---- records by their serialisation ---------------------------------------------------------------

// serialize_record(table, row), as the prompt shows it -> ids of the records with that text, in table order.
class RecordIndex {
 public:
  RecordIndex(const Table& table, const teacher::SerializeOptions& options) {
    for (std::size_t row = 0; row < table.num_rows(); ++row) {
      std::string text = teacher::serialize_record(table, row, options);
      if (text.empty()) text = kEmptyRecord;
      auto& ids = ids_by_text_[std::move(text)];
      ids.emplace_back(table.id(row));
      if (ids.size() == 2) ++num_ambiguous_texts_;
    }
  }
  const std::vector<std::string>* find(const std::string& text) const {
    const auto found = ids_by_text_.find(text);
    return found == ids_by_text_.end() ? nullptr : &found->second;
  }
  std::size_t num_ambiguous_texts() const { return num_ambiguous_texts_; }

 private:
  std::unordered_map<std::string, std::vector<std::string>> ids_by_text_;
  std::size_t num_ambiguous_texts_ = 0;
};

// ---- HTTP helpers ---------------------------------------------------------------------------------

nlohmann::json error_json(const std::string& message, const std::string& type, const nlohmann::json& code) {
  return {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}};
}

void reply_json(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

std::int64_t token_estimate(std::size_t chars) {
  return static_cast<std::int64_t>((chars + kCharsPerToken - 1) / kCharsPerToken);
}

// Confidence as a short decimal (0.9, not 0.899999976158) so replies read like a model's.
double rounded(float value) { return std::round(static_cast<double>(value) * 1000.0) / 1000.0; }

// httplib 0.11 gives a handler no access to its socket, so the connection is found among this
// process's descriptors by its address pair (Linux /proc/self/fd). -1 when not found.
int find_connection_socket(const httplib::Request& request) {
  auto port_of = [](const sockaddr_storage& address) -> int {
    if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
    if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
    return -1;
  };
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    int fd = -1;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t length = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) continue;  // not a socket
    length = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) continue;   // not connected
    if (port_of(local) == request.local_port && port_of(peer) == request.remote_port) return fd;
  }
  return -1;
}

// ---- the service ----------------------------------------------------------------------------------

struct ServiceConfig {
  std::string left_path;
  std::string right_path;  // empty: deduplication, candidates come from --left too
  std::string id_column = "id";
  std::vector<std::string> recording_files;
  std::string gold_path;
  teacher::SerializeOptions serialize;
  FaultConfig faults;
  bool verbose = false;
};

class ReplayService {
 public:
  explicit ReplayService(const ServiceConfig& config)
      : config_(config),
        left_(read(config.left_path, config.id_column)),
        right_(config.right_path.empty() ? Table() : read(config.right_path, config.id_column)),
        left_index_(left_, config.serialize),
        right_index_(right_, config.serialize),  // empty for deduplication: lookups use left_index_
        recordings_(teacher::ReplayRecordings::load(config.recording_files)),
        random_(config.faults.seed) {
    if (!config.gold_path.empty()) {
      const bool deduplicate = config.right_path.empty();
      for (const auto& [left_row, right_row] :
           matchmaker::eval::read_gold(config.gold_path, left_, right_table(), deduplicate)) {
        gold_[std::string(left_.id(left_row))].emplace_back(right_table().id(right_row));
        // Deduplication stores (smaller, larger) rows: either record may be the query.
        if (deduplicate) gold_[std::string(left_.id(right_row))].emplace_back(left_.id(left_row));
      }
    }
  }

  std::string load_summary() const {
    return std::to_string(left_.num_rows()) + " left records, " + std::to_string(right_table().num_rows()) +
           " right records, " + std::to_string(recordings_.num_recordings()) + " recorded answers, " +
           std::to_string(recordings_.num_option_lists()) + " recorded candidate lists, " +
           std::to_string(left_index_.num_ambiguous_texts() + (config_.right_path.empty() ? 0 : right_index_.num_ambiguous_texts())) +
           " serialisations shared by several records";
  }

  void handle_chat(const httplib::Request& request, httplib::Response& response) {
    const std::uint64_t number = ++chat_requests_;
    std::optional<Fault> fault = choose_fault(request, number);
    if (!fault) {
      bad_request(response, "X-Replay-Fault must be one of 429, 500, slow, cut, malformed, bad-candidate, refuse, none",
                  "invalid_fault");
      return;
    }
    switch (*fault) {
      case Fault::k429:
        count(*fault);
        response.set_header("Retry-After", retry_after_text());
        reply_json(response, 429, error_json("Rate limit reached (replay fault)", "requests", "rate_limit_exceeded"));
        return;
      case Fault::k500:
        count(*fault);
        reply_json(response, 500,
                   error_json("The server had an error while processing your request (replay fault)", "server_error",
                              nullptr));
        return;
      case Fault::kCut:
        count(*fault);
        cut(request, response);
        return;
      case Fault::kMalformed:
        count(*fault);
        // A body cut off mid-way, as a flaky proxy delivers it: starts like JSON, is not JSON.
        response.set_content("{\"id\": \"chatcmpl-replay-" + std::to_string(number) +
                                 "\", \"object\": \"chat.completion\", \"choices\": [{\"index\": 0, \"message\": "
                                 "{\"role\": \"assistant\", \"content\": \"{\\\"answer\\\": \\\"[",
                             "application/json");
        return;
      case Fault::kRefuse: {
        count(*fault);
        // OpenAI's structured-output refusal: no content, the reason in message.refusal.
        const nlohmann::json message = {{"role", "assistant"},
                                        {"content", nullptr},
                                        {"refusal", "I'm sorry, but I cannot help with that request."}};
        const auto body = nlohmann::json::parse(request.body, nullptr, false);
        const nlohmann::json& refusal = message.at("refusal");
        reply_json(response, 200,
                   completion(number, model_of(body), message, "stop", prompt_chars_of(body), refusal.get<std::string>().size()));
        return;
      }
      case Fault::kSlow:
        count(*fault);
        sleep_unless_stopping(config_.faults.slow_seconds);
        break;
      case Fault::kNone:
      case Fault::kBadCandidate:
        break;
    }
    answer(request, response, number, *fault == Fault::kBadCandidate);
  }

  nlohmann::json stats() const {
    nlohmann::json faults = nlohmann::json::object();
    for (std::size_t idx = 1; idx < kNumFaults; ++idx) faults[std::string(kFaultNames[idx])] = faults_[idx].load();
    return {{"requests", requests_.load()},
            {"chat_requests", chat_requests_.load()},
            {"answered", answered_.load()},
            {"answered_none", answered_none_.load()},
            {"unrecorded", unrecorded_.load()},
            {"bad_requests", bad_requests_.load()},
            {"ambiguous_lookups", ambiguous_lookups_.load()},
            {"faults", faults}};
  }

  std::string summary() const {
    std::string text = "replay server: " + std::to_string(requests_.load()) + " requests served, " +
                       std::to_string(chat_requests_.load()) + " chat completions (" + std::to_string(answered_.load()) +
                       " answered, " + std::to_string(answered_none_.load()) + " of them [0]; " +
                       std::to_string(unrecorded_.load()) + " without recording; " +
                       std::to_string(bad_requests_.load()) + " bad requests; " +
                       std::to_string(ambiguous_lookups_.load()) + " ambiguous record lookups); faults injected:";
    std::uint64_t total = 0;
    for (std::size_t idx = 1; idx < kNumFaults; ++idx) {
      text += " " + std::string(kFaultNames[idx]) + "=" + std::to_string(faults_[idx].load());
      total += faults_[idx].load();
    }
    return text + " (total " + std::to_string(total) + ")";
  }

  void count_request() { ++requests_; }

  void request_stop(std::string reason) {
    {
      const std::lock_guard lock(stop_mutex_);
      if (stopping_) return;
      stopping_ = true;
      stop_reason_ = std::move(reason);
    }
    stop_cv_.notify_all();  // wakes slow answers, so stopping never waits for them
  }
  bool stop_requested() const {
    const std::lock_guard lock(stop_mutex_);
    return stopping_;
  }
  std::string stop_reason() const {
    const std::lock_guard lock(stop_mutex_);
    return stop_reason_;
  }

  // For --print-prompt: the request body matchmaker's chat client sends for this query and candidates
  // (ChatClient::request_body with the select schema), so tests send byte-identical prompts.
  nlohmann::json prompt_body(const std::string& left_id, const std::vector<std::string>& right_ids,
                             const teacher::PromptOptions& options) const {
    const auto left_rows = left_.id_index();
    const auto right_rows = right_table().id_index();
    const auto query = left_rows.find(left_id);
    if (query == left_rows.end()) throw InputError("--print-prompt: no left record with id '" + left_id + "'");
    std::vector<std::string> candidates;
    for (const auto& right_id : right_ids) {
      const auto row = right_rows.find(right_id);
      if (row == right_rows.end()) throw InputError("--print-prompt: no right record with id '" + right_id + "'");
      candidates.push_back(teacher::serialize_record(right_table(), row->second, config_.serialize));
    }
    const teacher::SelectPrompt prompt =
        teacher::build_select_prompt(teacher::serialize_record(left_, query->second, config_.serialize), candidates, options);
    return {{"model", kModelName},
            {"messages", prompt.messages},
            {"temperature", 0.0},
            {"response_format", teacher::select_response_schema()}};
  }

 private:
  static Table read(const std::string& path, const std::string& id_column) {
    matchmaker::io::TableReadOptions options;
    options.path = path;
    options.id_column = id_column;
    return matchmaker::io::read_table(options);
  }
  const Table& right_table() const { return config_.right_path.empty() ? left_ : right_; }

  // Header first (tests script exact sequences with it), then --fail-first, then the random rates.
  // nullopt for an unknown header value.
  std::optional<Fault> choose_fault(const httplib::Request& request, std::uint64_t number) {
    const std::string name(kFaultHeader);
    if (request.has_header(name)) return fault_from_name(request.get_header_value(name));
    if (number <= config_.faults.fail_first) return Fault::k500;
    double draw = 0.0;
    {
      const std::lock_guard lock(random_mutex_);
      draw = static_cast<double>(random_() >> 11) * 0x1.0p-53;  // uniform in [0, 1), the same on every platform
    }
    // One draw for all kinds: the faults are exclusive, each with its own probability.
    for (std::size_t idx = 1; idx < kNumFaults; ++idx) {
      draw -= config_.faults.rates[idx];
      if (draw < 0.0) return static_cast<Fault>(idx);
    }
    return Fault::kNone;
  }

  void count(Fault fault) { ++faults_[static_cast<std::size_t>(fault)]; }

  std::string retry_after_text() const {
    // Retry-After is whole seconds by RFC 9110; a fraction only makes sense for tests against our client.
    const double seconds = config_.faults.retry_after_seconds;
    if (seconds == std::floor(seconds)) return std::to_string(static_cast<std::int64_t>(seconds));
    return nlohmann::json(seconds).dump();
  }

  void sleep_unless_stopping(double seconds) {
    std::unique_lock lock(stop_mutex_);
    stop_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return stopping_; });
  }

  // Closes the connection without a response, as a crashed upstream or a proxy reset does: the socket
  // is shut down under httplib, whose own response write then fails and ends the connection. When the
  // socket cannot be found, the status line and headers go out and the body is cut instead.
  void cut(const httplib::Request& request, httplib::Response& response) {
    const int fd = find_connection_socket(request);
    if (fd >= 0 && ::shutdown(fd, SHUT_RDWR) == 0) return;
    if (config_.verbose) log_line("cut: connection socket not found, cutting the body instead");
    response.set_chunked_content_provider("application/json", [](std::size_t, httplib::DataSink&) { return false; });
  }

  // One whole line per call: handlers run on many threads, and pieces written separately interleave.
  static void log_line(const std::string& text) {
    const std::string line = "replay server: " + text + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
  }

  void bad_request(httplib::Response& response, const std::string& message, const std::string& code) {
    ++bad_requests_;
    if (config_.verbose) log_line("400 " + message);
    reply_json(response, 400, error_json(message, "invalid_request_error", code));
  }

  // The model the request named (echoed like a real server does), else "replay".
  static std::string model_of(const nlohmann::json& body) {
    if (body.is_object() && body.contains("model") && body["model"].is_string()) return body["model"].get<std::string>();
    return kModelName;
  }

  // Characters of every message's text: the basis of the usage block's prompt_tokens.
  static std::size_t prompt_chars_of(const nlohmann::json& body) {
    std::size_t chars = 0;
    if (!body.is_object() || !body.contains("messages") || !body["messages"].is_array()) return chars;
    for (const auto& message : body["messages"]) {
      if (message.is_object()) chars += message_text(message).size();
    }
    return chars;
  }

  static nlohmann::json completion(std::uint64_t number, const std::string& model, const nlohmann::json& message,
                                   const std::string& finish_reason, std::size_t prompt_chars,
                                   std::size_t completion_chars) {
    const std::int64_t prompt_tokens = token_estimate(prompt_chars);
    const std::int64_t completion_tokens = token_estimate(completion_chars);
    return {{"id", "chatcmpl-replay-" + std::to_string(number)},
            {"object", "chat.completion"},
            {"created", static_cast<std::int64_t>(std::time(nullptr))},
            {"model", model},
            {"choices", {{{"index", 0}, {"message", message}, {"finish_reason", finish_reason}}}},
            {"usage",
             {{"prompt_tokens", prompt_tokens},
              {"completion_tokens", completion_tokens},
              {"total_tokens", prompt_tokens + completion_tokens}}}};
  }

  void reply_content(httplib::Response& response, std::uint64_t number, const std::string& model,
                     const std::string& content, std::size_t prompt_chars) {
    const nlohmann::json message = {{"role", "assistant"}, {"content", content}};
    reply_json(response, 200, completion(number, model, message, "stop", prompt_chars, content.size()));
  }

  void answer(const httplib::Request& request, httplib::Response& response, std::uint64_t number, bool bad_candidate) {
    const auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (!body.is_object()) return bad_request(response, "the request body is not a JSON object", "invalid_json");
    const auto messages = body.find("messages");
    if (messages == body.end() || !messages->is_array() || messages->empty()) {
      return bad_request(response, "'messages' must be a non-empty array", "invalid_messages");
    }
    const std::string model = model_of(body);
    // The prompt is the last message that holds one (the system message, when folded, precedes it).
    std::size_t prompt_chars = 0;
    std::string prompt_text;
    for (const auto& message : *messages) {
      if (!message.is_object()) return bad_request(response, "every message must be an object", "invalid_messages");
      std::string text = message_text(message);
      prompt_chars += text.size();
      if (text.find(kGivenRecordLine) != std::string::npos) prompt_text = std::move(text);
    }
    std::string error;
    const std::optional<ParsedPrompt> prompt = parse_select_prompt(prompt_text, error);
    if (!prompt) return bad_request(response, "cannot parse the select prompt: " + error, "unparseable_prompt");

    const std::vector<std::string>* query_ids = left_index_.find(prompt->query);
    if (query_ids == nullptr) {
      return bad_request(response,
                         "the given record is in no record of --left (different tables, or a --max-value-chars other than 200?)",
                         "unknown_record");
    }
    std::string query_id = query_ids->front();
    if (query_ids->size() > 1) {
      ++ambiguous_lookups_;
      for (const auto& id : *query_ids) {
        if (recordings_.recording(id) != nullptr) {
          query_id = id;
          break;
        }
      }
    }
    std::vector<std::string> shown;
    for (std::size_t idx = 0; idx < prompt->candidates.size(); ++idx) {
      const std::vector<std::string>* ids = right_index_for_lookup().find(prompt->candidates[idx]);
      if (ids == nullptr) {
        return bad_request(response,
                           "candidate [" + std::to_string(idx + 1) + "] is in no record of " +
                               (config_.right_path.empty() ? "--left" : "--right") +
                               " (different tables, or a --max-value-chars other than 200?)",
                           "unknown_record");
      }
      std::string id = ids->front();
      if (ids->size() > 1) {
        ++ambiguous_lookups_;
        for (const auto& other : *ids) {
          if (other != query_id) {
            id = other;
            break;
          }
        }
      }
      shown.push_back(std::move(id));
    }
    response.set_header("X-Replay-Query-Id", query_id);

    const teacher::ReplayRecording* recording = recordings_.recording(query_id);
    std::optional<teacher::ReplayDecision> decision;
    if (recording != nullptr) {
      static const std::vector<std::string> kNoGold;
      const auto gold = gold_.find(query_id);
      decision = teacher::decide_replay(*recording, recordings_.options(query_id), shown,
                                        gold == gold_.end() ? kNoGold : gold->second);
    }
    if (!decision || !decision->answered) {
      // What the client must count as unusable: phrased as a refusal, with no answer in it.
      ++unrecorded_;
      if (config_.verbose) log_line("#" + std::to_string(number) + " query " + query_id + ": no recording");
      reply_content(response, number, model,
                    recording == nullptr ? "I'm sorry, but I cannot answer: no recording for this query."
                                         : "I'm sorry, but I cannot answer: the recording for this query is unusable.",
                    prompt_chars);
      return;
    }
    std::string judged;
    for (const std::uint8_t flag : decision->judged) judged += judged.empty() ? (flag ? "1" : "0") : (flag ? ",1" : ",0");
    if (!judged.empty()) response.set_header("X-Replay-Judged", judged);

    std::size_t position = decision->chosen < 0 ? 0 : static_cast<std::size_t>(decision->chosen) + 1;
    if (bad_candidate) {
      count(Fault::kBadCandidate);
      position = prompt->candidates.size() + 3;  // names no candidate
    }
    ++answered_;
    if (position == 0) ++answered_none_;
    const nlohmann::json content = {{"answer", "[" + std::to_string(position) + "]"},
                                    {"explanation", decision->explanation},
                                    {"confidence", rounded(decision->confidence)}};
    if (config_.verbose) {
      log_line("#" + std::to_string(number) + " query " + query_id + " -> [" + std::to_string(position) + "] of " +
               std::to_string(prompt->candidates.size()));
    }
    reply_content(response, number, model, content.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  prompt_chars);
  }

  const RecordIndex& right_index_for_lookup() const { return config_.right_path.empty() ? left_index_ : right_index_; }

  ServiceConfig config_;
  Table left_;
  Table right_;  // empty for deduplication
  RecordIndex left_index_;
  RecordIndex right_index_;
  teacher::ReplayRecordings recordings_;
  std::unordered_map<std::string, std::vector<std::string>> gold_;  // left id -> gold right ids

  std::mutex random_mutex_;
  std::mt19937_64 random_;

  mutable std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::string stop_reason_;

  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> chat_requests_{0};
  std::atomic<std::uint64_t> answered_{0};
  std::atomic<std::uint64_t> answered_none_{0};
  std::atomic<std::uint64_t> unrecorded_{0};
  std::atomic<std::uint64_t> bad_requests_{0};
  std::atomic<std::uint64_t> ambiguous_lookups_{0};
  std::array<std::atomic<std::uint64_t>, kNumFaults> faults_{};
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

int serve(ReplayService& service, const std::string& host, int port, std::size_t threads) {
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(kMaxBodyBytes);
  server.set_pre_routing_handler([&](const httplib::Request&, httplib::Response&) {
    service.count_request();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.Post("/v1/chat/completions",
              [&](const httplib::Request& request, httplib::Response& response) { service.handle_chat(request, response); });
  server.Get("/v1/models", [](const httplib::Request&, httplib::Response& response) {
    reply_json(response, 200,
               {{"object", "list"},
                {"data", {{{"id", kModelName}, {"object", "model"}, {"created", 0}, {"owned_by", "matchmaker"}}}}});
  });
  server.Get("/stats", [&](const httplib::Request&, httplib::Response& response) { reply_json(response, 200, service.stats()); });
  server.Post("/shutdown", [&](const httplib::Request&, httplib::Response& response) {
    reply_json(response, 200, {{"status", "stopping"}});
    service.request_stop("POST /shutdown");
  });
  // httplib answers unknown paths and its own errors with an empty body; an OpenAI client expects JSON.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const std::string message = response.status == 404 ? "no route for " + request.method + " " + request.path
                                                            : "HTTP " + std::to_string(response.status);
        reply_json(response, response.status, error_json(message, "invalid_request_error", nullptr));
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
    std::string message = "internal error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& exception) {
      message = exception.what();
    } catch (...) {
    }
    reply_json(response, 500, error_json(message, "server_error", nullptr));
  });

  const int bound_port = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound_port <= 0) {
    std::cerr << "matchmaker-replay-server: cannot listen on " << host << ":" << port << '\n';
    return kExitFailure;
  }
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::cout << "listening on http://" << shown_host << ":" << bound_port << "/v1" << std::endl;  // flushes

  // SIGINT / SIGTERM are taken by sigtimedwait in one thread (blocked everywhere, so no handler runs
  // async-signal-unsafe code). That thread is also the only caller of server.stop(): httplib asserts
  // on a second stop() while it is still running, and a stop before listen has started would be lost.
  std::atomic<bool> listen_done{false};
  std::thread stopper([&] {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    const timespec tick{0, 50'000'000};
    while (!listen_done.load()) {
      const int signal_number = sigtimedwait(&signals, nullptr, &tick);
      if (signal_number == SIGINT) service.request_stop("SIGINT");
      if (signal_number == SIGTERM) service.request_stop("SIGTERM");
      if (service.stop_requested() && server.is_running()) {
        server.stop();
        return;
      }
    }
  });
  const bool listened = server.listen_after_bind();
  listen_done = true;
  stopper.join();
  std::cout << service.summary() << " [stopped by " << (service.stop_requested() ? service.stop_reason() : "error")
            << "]" << std::endl;
  return listened || service.stop_requested() ? 0 : kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "matchmaker-replay-server: an OpenAI-compatible chat-completions endpoint (POST /v1/chat/completions, "
      "GET /v1/models) that answers matchmaker's select prompts from recorded LLM answers (DistillER "
      "response files), with fault injection for reliability tests. Also: GET /stats (counters as JSON), "
      "POST /shutdown (stops the server). Per request, the header X-Replay-Fault: "
      "429|500|slow|cut|malformed|bad-candidate|refuse|none overrides every fault option."};
  ServiceConfig config;
  std::string recordings;
  std::string host = "127.0.0.1";
  int port = 0;
  std::size_t threads = 16;
  std::vector<std::string> print_prompt;
  bool fold_system = false;
  auto& rates = config.faults.rates;
  app.add_option("--left", config.left_path, "Left table (queries): CSV, TSV or JSONL, as given to matchmaker")->required();
  app.add_option("--right", config.right_path, "Right table (candidates); omit for deduplication of --left");
  app.add_option("--id", config.id_column, "Name of the id column in both tables")->capture_default_str();
  app.add_option("--recordings", recordings,
                 "Recorded answers and candidate lists: FILE[,FILE...] (DistillER responses / prompts JSON)");
  app.add_option("--gold", config.gold_path, "Gold pairs for the replay rule (a recorded wrong answer without a stored id)");
  app.add_option("--max-value-chars", config.serialize.max_value_chars,
                 "Longest value in a prompt, in characters, as matchmaker serialises records: matchmaker always uses 200 "
                 "(SerializeOptions in teacher/prompt.h); change it only for tests")
      ->capture_default_str();
  app.add_option("--host", host, "Address to listen on")->capture_default_str();
  app.add_option("--port", port, "Port; 0 = any free port (the URL is printed on stdout)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--threads", threads, "Requests served at once")->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--seed", config.faults.seed, "Seed of the random fault draws")->capture_default_str();
  const auto rate = [&](const char* name, Fault fault, const char* what) {
    app.add_option(name, rates[static_cast<std::size_t>(fault)], std::string("Probability of ") + what)
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
  };
  rate("--fail-429", Fault::k429, "HTTP 429 with Retry-After");
  rate("--fail-500", Fault::k500, "HTTP 500");
  rate("--slow", Fault::kSlow, "a correct answer after --slow-seconds");
  rate("--cut", Fault::kCut, "closing the connection without a response");
  rate("--malformed", Fault::kMalformed, "a 200 whose body is not JSON");
  rate("--bad-candidate", Fault::kBadCandidate, "an answer naming a candidate that does not exist ([k+3])");
  rate("--refuse", Fault::kRefuse, "a refusal (message.refusal set, no content)");
  app.add_option("--retry-after", config.faults.retry_after_seconds, "Retry-After of a 429, seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--slow-seconds", config.faults.slow_seconds, "Delay of a slow answer, seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--fail-first", config.faults.fail_first, "The first N chat requests get HTTP 500")->capture_default_str();
  app.add_flag("--verbose", config.verbose, "One line per chat request on stderr");
  app.add_option("--print-prompt", print_prompt,
                 "LEFT_ID RIGHT_ID[,RIGHT_ID...]: print the chat request body matchmaker sends for this query "
                 "and candidates (in this order) and exit; for tests")
      ->expected(2);
  app.add_flag("--no-system-message", fold_system,
               "With --print-prompt: fold the instructions into the user message (PromptOptions::system_message = false)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : kExitBadInput;
  }

  try {
    double total_rate = 0.0;
    for (const double value : rates) total_rate += value;
    if (total_rate > 1.0 + 1e-9) throw InputError("the fault rates add up to more than 1");
    config.recording_files = split_commas(recordings);
    if (print_prompt.empty() && config.recording_files.empty()) throw InputError("--recordings is required");
    teacher::ReplayRecordings::check_readable(config.recording_files);

    // Block the stop signals before any thread exists, so every thread inherits the mask and only the
    // stopper thread receives them (see serve()). A broken connection must not kill the server either:
    // httplib writes to sockets without MSG_NOSIGNAL.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    if (print_prompt.empty()) pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    ReplayService service(config);
    if (!print_prompt.empty()) {
      teacher::PromptOptions options;
      options.system_message = !fold_system;
      std::cout << service.prompt_body(print_prompt[0], split_commas(print_prompt[1]), options).dump() << std::endl;
      return 0;
    }
    std::cerr << "matchmaker-replay-server: " << service.load_summary() << '\n';
    return serve(service, host, port, threads);
  } catch (const InputError& error) {
    std::cerr << "matchmaker-replay-server: " << error.what() << '\n';
    return kExitBadInput;
  } catch (const std::exception& error) {
    std::cerr << "matchmaker-replay-server: " << error.what() << '\n';
    return kExitFailure;
  }
}
