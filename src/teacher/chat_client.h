// The transport of LLM teachers: a client for any OpenAI-compatible chat-completions endpoint
// (OpenAI, vLLM, llama.cpp server, Ollama) that spends money only within a CallBudget.
//
// Each call costs money, so the client is written like a payment client:
// - Retries only what can succeed on a second try: 429 (rate limited), 408, 5xx, timeouts and cut or
//   refused connections, with exponential backoff and full jitter (sleep uniform in [0, min(max_backoff,
//   base_backoff * 2^retry)]). A Retry-After header (delay-seconds or HTTP-date), or the retry-after-ms
//   header some OpenAI-compatible servers send, replaces the backoff, capped at max_retry_after_seconds.
//   A 429 whose error code is "insufficient_quota" is not retried: the account is out of credit and
//   waiting does not change that.
// - Never retries other 4xx (the same request fails the same way) nor refusals (the model said no).
// - A 2xx body that is not JSON, lacks choices[0].message.content, or exceeds 32 MiB is
//   kMalformedResponse and is retried at most max_malformed_retries times (default once): a body cut by
//   a flaky proxy is worth a second try, a second bad body means the endpoint is not OpenAI-compatible,
//   and each retry may be billed.
// - Redirects are not followed, so the API key is never sent to another host.
// - The API key is sent as "Authorization: Bearer KEY" and nowhere else: it is never logged, and every
//   error message is scrubbed of it (servers sometimes echo the key they rejected). URLs in messages
//   drop user info and query values.
// - Untrusted text (records inside prompts) may be invalid UTF-8: it is sent with U+FFFD in place of
//   invalid bytes instead of throwing.
//
// Timeouts: timeout_seconds bounds connecting, sending and each wait for response bytes (httplib's
// connection, write and read timeouts), and a body still downloading timeout_seconds after the attempt
// began is cut off. Either way the attempt ends as kTimeout.
//
// Thread safety: a ChatClient is immutable after construction; complete() and complete_all() may run
// concurrently from any number of threads. Each complete() opens its own HTTP connection (no shared
// connection pool, no mutex); an LLM answer takes seconds, a TCP/TLS handshake milliseconds.
#pragma once

#include "teacher/chat_message.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "teacher/call_budget.h"

namespace matchmaker::teacher {

inline constexpr const char* kDefaultOpenAiBaseUrl = "https://api.openai.com/v1";
// Completion tokens reserved for a call without max_tokens (nothing bounds it then): set max_tokens
// for a token or money cap to be tight.
inline constexpr std::int64_t kCompletionEstimateWithoutMaxTokens = 1024;

enum class ChatError {
  kNone,
  kTimeout,            // connect / read timeout, the attempt deadline, or HTTP 408
  kConnection,         // refused, reset or closed connection; TLS failure
  kHttp4xx,            // 4xx other than 408 and 429, and unexpected statuses (1xx, 3xx): not retried
  kRateLimited,        // 429
  kServer5xx,          // 5xx
  kMalformedResponse,  // 2xx whose body is not a chat completion with a text answer
  kRefusal,            // choices[0].message.refusal set, or finish_reason "content_filter"
  kBudget,             // refused by the CallBudget: never sent
};

// "none", "timeout", "connection", "http_4xx", "rate_limited", "server_5xx", "malformed_response",
// "refusal", "budget".
const char* chat_error_name(ChatError error);

struct ChatResult {
  bool ok = false;
  std::string content;        // the assistant's message text (when ok)
  std::string finish_reason;  // as reported: "stop", "length" (answer cut at max_tokens), ...
  // Tokens the provider reported over ALL attempts of this call (a malformed body can be billed too).
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  // Attempts whose request was sent but whose usage is unknown (read timeout, connection cut after
  // sending, 2xx body without usage): the provider may have billed them. complete_all() charges the
  // budget the call's estimate for each.
  int unmetered_attempts = 0;
  int attempts = 0;           // HTTP requests made; 0 when refused by the budget
  int http_status = 0;        // of the last attempt; 0 if no response arrived
  ChatError error = ChatError::kNone;
  std::string error_message;  // empty when ok; never contains the API key
};

struct ChatConfig {
  std::string base_url = kDefaultOpenAiBaseUrl;  // "http(s)://host[:port][/path]"; requests go to PATH/chat/completions
  std::string api_key;                           // secret: empty sends no Authorization header (local servers)
  std::string model;                             // required
  double temperature = 0.0;
  std::optional<int> max_tokens;                 // sent as "max_tokens"; also the budget's completion estimate
  double timeout_seconds = 60.0;                 // see "Timeouts" above
  int max_retries = 5;                           // retries after the first attempt (at most 1 + max_retries requests)
  int max_malformed_retries = 1;                 // of those, at most this many for malformed 2xx bodies
  double base_backoff_seconds = 0.5;
  double max_backoff_seconds = 30.0;
  double max_retry_after_seconds = 120.0;        // cap on a server's Retry-After
  // A JSON schema the answer must follow; sent as response_format {"type": "json_schema", "json_schema":
  // {"name": response_schema_name, "strict": true, "schema": ...}}.
  std::optional<nlohmann::json> response_schema;
  std::string response_schema_name = "answer";

  // Defaults with base_url from OPENAI_BASE_URL and api_key from OPENAI_API_KEY (when set and non-empty).
  static ChatConfig from_env(std::string model);
};

// One request of complete_all(). Unset estimates are filled in: estimate_prompt_tokens(messages), and
// max_tokens (or kCompletionEstimateWithoutMaxTokens).
struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::optional<std::int64_t> estimated_prompt_tokens;
  std::optional<std::int64_t> estimated_completion_tokens;
};

// A deliberately generous prompt-token estimate for budget reservations, without a tokenizer: one
// token per 3 UTF-8 bytes (English averages about 4) plus the chat format's per-message overhead.
std::int64_t estimate_prompt_tokens(const std::vector<ChatMessage>& messages);

// Seconds to wait according to a Retry-After value: delay-seconds ("120", a decimal is accepted) or an
// HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now`; a past date gives 0). nullopt if the
// value is neither.
std::optional<double> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

class ChatClient {
 public:
  // Called once per request of complete_all() as soon as its result is final (budget refusals
  // included), so the caller can persist each answer before the next one arrives. Calls are
  // serialised (never two at once) but come from worker threads. If it throws, no further request is
  // started and complete_all() rethrows after the requests in flight finish.
  using ResultCallback = std::function<void(std::size_t index, const ChatResult& result)>;

  // Throws InputError for an invalid base_url (not http/https, bad port, user info in it), an empty
  // model, or non-positive timeouts / negative retry counts. Messages never contain the key.
  explicit ChatClient(ChatConfig config);

  // Asked before each retry with the result so far: "" lets the retry go, any other text stops it
  // (and ends the message of the result). complete_all() uses it to keep retries inside the budget.
  using RetryGate = std::function<std::string(const ChatResult& so_far)>;

  // One chat completion, with the retries described above. Never throws for network or server
  // failures: they are reported in the result.
  ChatResult complete(const std::vector<ChatMessage>& messages, const RetryGate& may_retry = {}) const;

  // Runs every request with at most `concurrency` in flight (0 counts as 1). Before each send, one
  // call plus the request's estimates is reserved from `budget`; a refused request is not sent and
  // gets kBudget. A retry after an attempt that may have been billed (usage reported, or unknown) is
  // sent only if the budget admits one more attempt's estimate on top (CallBudget::extend); if not,
  // the call ends with the attempt's error. After the call the reservation is settled with the
  // reported usage plus the estimate for each unmetered attempt. results[i] belongs to requests[i].
  std::vector<ChatResult> complete_all(std::span<const ChatRequest> requests, std::size_t concurrency,
                                       CallBudget& budget, const ResultCallback& on_result = {}) const;

  const std::string& model() const { return config_.model; }
  std::optional<int> max_tokens() const { return config_.max_tokens; }
  // Completion tokens a call is reserved at: max_tokens, or kCompletionEstimateWithoutMaxTokens.
  std::int64_t completion_estimate() const {
    return config_.max_tokens ? std::int64_t{*config_.max_tokens} : kCompletionEstimateWithoutMaxTokens;
  }
  // "scheme://host:port/path/chat/completions" without user info or query values: safe to print.
  const std::string& endpoint() const { return endpoint_; }

 // The exact JSON body complete() sends for `messages` (also the body of a Batch API request line).
  std::string request_body(const std::vector<ChatMessage>& messages) const;

 private:
  std::string scrub(std::string text) const;  // removes the API key from text meant for people
  // scrub(), and for an answer in JSON the key in any JSON spelling of it (the answer is stored,
  // exported and explained).
  std::string scrub_reply(std::string content) const;

  ChatConfig config_;
  bool https_ = false;
  std::string host_;  // without IPv6 brackets
  int port_ = 0;
  std::string path_;  // "/v1/chat/completions[?query]"
  std::string endpoint_;
};

}  // namespace matchmaker::teacher
