#include "teacher/chat_client.h"

// httplib.h only ever in .cpp files: it clashes with Eigen when both end up in one translation unit.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <ctime>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iomanip>
#include <locale>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "matchmaker/error.h"
#include "text/normalize.h"
#include "text/utf8.h"
#include "text/strings.h"

namespace matchmaker::teacher {
namespace {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

// A chat completion is kilobytes; anything far larger is not one, and must not exhaust memory.
constexpr std::uint64_t kMaxResponseBytes = 32ull << 20;
// How much of a server's error text goes into an error message.
constexpr std::size_t kMaxExcerptBytes = 300;
constexpr const char* kRedacted = "<redacted>";

// `text` with every occurrence of `secret` replaced by kRedacted.
std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (auto found = text.find(secret); found != std::string::npos;
       found = text.find(secret, found + std::char_traits<char>::length(kRedacted))) {
    text.replace(found, secret.size(), kRedacted);
  }
  return text;
}
// A read failure this close to the read timeout is the timeout (httplib reports both as Error::Read).
constexpr double kTimeoutFraction = 0.9;

// Text from a server, made safe for a one-line message that may end up in JSON: valid UTF-8 only
// (anything else becomes '?'), control characters become spaces, at most `max_bytes` plus "...".
std::string excerpt(std::string_view text, std::size_t max_bytes = kMaxExcerptBytes) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const char32_t code_point = text::decode_utf8(text, pos);
    const std::size_t length = pos - start;
    // decode_utf8 steps over an invalid byte (overlong forms and surrogates included) one at a time.
    const bool valid = !(code_point == text::kReplacementCharacter && length == 1);
    if (out.size() + (valid ? length : 1) > max_bytes) {
      out += "...";
      break;
    }
    if (!valid) out += '?';
    else if (code_point < 0x20 || code_point == 0x7F) out += ' ';
    else out.append(text.substr(start, length));
  }
  return out;
}

// A URL fit for messages: no user info, no query values.
std::string redact_url(std::string_view url) {
  std::string out(url);
  if (const auto query = out.find_first_of("?#"); query != std::string::npos) {
    out = out.substr(0, query) + (out[query] == '?' ? "?" + std::string(kRedacted) : "");
  }
  const auto scheme_end = out.find("://");
  const std::size_t authority_begin = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const std::size_t authority_end = std::min(out.find('/', authority_begin), out.size());
  const auto at = out.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at != std::string::npos && at >= authority_begin && at < authority_end) {
    out.replace(authority_begin, at - authority_begin, kRedacted);
  }
  return excerpt(out);
}

struct BaseUrl {
  bool https = false;
  std::string host;  // without IPv6 brackets
  int port = 0;
  std::string path_prefix;  // "" or "/v1", no trailing slash
  std::string query;        // without '?'
};

BaseUrl parse_base_url(const std::string& raw_url) {
  const std::string url(text::trim(raw_url));
  const auto fail = [&](const std::string& problem) {
    return InputError(fmt::format("base URL '{}': {}", redact_url(url), problem));
  };
  BaseUrl parsed;
  const auto scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : text::ascii_lowercase(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") throw fail("must start with http:// or https://");
  parsed.https = scheme == "https";

  const std::size_t authority_begin = scheme_end + 3;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", authority_begin), url.size());
  const std::string authority = url.substr(authority_begin, authority_end - authority_begin);
  // Credentials in a URL end up in logs and shell history; the key belongs in OPENAI_API_KEY.
  if (authority.find('@') != std::string::npos) throw fail("must not contain user info; set OPENAI_API_KEY instead");

  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) throw fail("unterminated IPv6 address");
    parsed.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw fail("unexpected text after the IPv6 address");
      port_text = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.find(':');
    parsed.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (parsed.host.empty()) throw fail("no host");
  parsed.port = parsed.https ? 443 : 80;
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      throw fail("invalid port");
    }
    parsed.port = port;
  }

  const std::size_t path_end = std::min(url.find_first_of("?#", authority_end), url.size());
  parsed.path_prefix = url.substr(authority_end, path_end - authority_end);
  while (!parsed.path_prefix.empty() && parsed.path_prefix.back() == '/') parsed.path_prefix.pop_back();
  if (path_end < url.size() && url[path_end] == '?') {
    const std::size_t query_end = std::min(url.find('#', path_end), url.size());
    parsed.query = url.substr(path_end + 1, query_end - path_end - 1);
  }
  return parsed;
}

std::int64_t read_count(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) return 0;
  if (found->is_number_unsigned()) return static_cast<std::int64_t>(std::min<std::uint64_t>(found->get<std::uint64_t>(), 1ull << 62));
  if (found->is_number_integer()) return std::max<std::int64_t>(0, found->get<std::int64_t>());
  return 0;
}

// What one HTTP request came to.
struct Attempt {
  ChatError error = ChatError::kNone;
  bool retryable = false;
  bool unmetered = false;  // sent, possibly billed, usage unknown
  int http_status = 0;
  std::string message;
  std::optional<double> retry_after_seconds;
  std::string content;
  std::string finish_reason;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

Attempt malformed(Attempt attempt, std::string message) {
  attempt.error = ChatError::kMalformedResponse;
  attempt.retryable = true;
  attempt.message = std::move(message);
  return attempt;
}

// A 2xx body: a chat completion, a refusal, or something else.
Attempt interpret_completion(int status, const std::string& body) {
  Attempt attempt;
  attempt.http_status = status;
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    attempt.unmetered = true;
    return malformed(std::move(attempt), fmt::format("HTTP {}: body is not a JSON object: {}", status, excerpt(body)));
  }
  // Usage first: a body that is malformed otherwise may still have been billed.
  bool has_usage = false;
  if (const auto usage = json.find("usage"); usage != json.end() && usage->is_object()) {
    has_usage = usage->contains("prompt_tokens") || usage->contains("completion_tokens");
    attempt.prompt_tokens = read_count(*usage, "prompt_tokens");
    attempt.completion_tokens = read_count(*usage, "completion_tokens");
  }
  attempt.unmetered = !has_usage;

  const auto choices = json.find("choices");
  if (choices == json.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) {
    return malformed(std::move(attempt), fmt::format("HTTP {}: response has no choices[0]: {}", status, excerpt(body)));
  }
  const nlohmann::json& choice = (*choices)[0];
  if (const auto finish = choice.find("finish_reason"); finish != choice.end() && finish->is_string()) {
    attempt.finish_reason = finish->get<std::string>();
  }
  const auto message = choice.find("message");
  if (message == choice.end() || !message->is_object()) {
    return malformed(std::move(attempt), fmt::format("HTTP {}: choices[0] has no message: {}", status, excerpt(body)));
  }
  if (const auto content = message->find("content"); content != message->end() && content->is_string()) {
    attempt.content = content->get<std::string>();
  }
  // The model declining is an answer, not a fault: asking again costs money and gets the same no.
  if (const auto refusal = message->find("refusal");
      refusal != message->end() && refusal->is_string() && !refusal->get<std::string>().empty()) {
    attempt.error = ChatError::kRefusal;
    attempt.message = "model refused: " + excerpt(refusal->get<std::string>());
    return attempt;
  }
  if (attempt.finish_reason == "content_filter") {
    attempt.error = ChatError::kRefusal;
    attempt.message = "answer stopped by the provider's content filter";
    return attempt;
  }
  const auto content = message->find("content");
  if (content == message->end() || !content->is_string()) {
    return malformed(std::move(attempt),
                     fmt::format("HTTP {}: choices[0].message.content is missing or not text: {}", status, excerpt(body)));
  }
  return attempt;
}

// The human part of an error body: OpenAI's {"error": {"message", "code"}}, vLLM's {"message"}, or
// the raw text.
std::string error_detail(const std::string& body, std::string* code) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    const auto error = json.find("error");
    if (error != json.end() && error->is_object()) {
      if (const auto found = error->find("code"); found != error->end() && found->is_string()) *code = found->get<std::string>();
      if (const auto found = error->find("message"); found != error->end() && found->is_string()) return excerpt(found->get<std::string>());
    }
    if (error != json.end() && error->is_string()) return excerpt(error->get<std::string>());
    if (const auto found = json.find("message"); found != json.end() && found->is_string()) return excerpt(found->get<std::string>());
  }
  return excerpt(body);
}

std::optional<double> retry_after(const httplib::Response& response) {
  // retry-after-ms (sent by some OpenAI-compatible servers) is the more precise of the two.
  if (response.has_header("retry-after-ms")) {
    const std::string value(text::trim(response.get_header_value("retry-after-ms")));
    double millis = 0.0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), millis);
    if (error == std::errc() && end == value.data() + value.size() && std::isfinite(millis) && millis >= 0.0) {
      return millis / 1000.0;
    }
  }
  if (response.has_header("Retry-After")) {
    return parse_retry_after(response.get_header_value("Retry-After"), std::chrono::system_clock::now());
  }
  return std::nullopt;
}

// A non-2xx response.
Attempt interpret_status(const httplib::Response& response) {
  Attempt attempt;
  attempt.http_status = response.status;
  std::string code;
  const std::string detail = error_detail(response.body, &code);
  const int status = response.status;
  if (status == 429) {
    attempt.error = ChatError::kRateLimited;
    // Out of credit, not out of rate: no wait will fix it.
    attempt.retryable = code != "insufficient_quota";
  } else if (status == 408) {
    attempt.error = ChatError::kTimeout;
    attempt.retryable = true;
  } else if (status >= 500) {
    attempt.error = ChatError::kServer5xx;
    attempt.retryable = true;
  } else {
    attempt.error = ChatError::kHttp4xx;
  }
  if (status >= 400) {
    attempt.message = fmt::format("HTTP {}{}: {}", status, code.empty() ? "" : " " + excerpt(code, 64), detail);
  } else {
    attempt.message = fmt::format("unexpected HTTP {} (redirects are not followed): {}", status, detail);
  }
  if (attempt.retryable) attempt.retry_after_seconds = retry_after(response);
  return attempt;
}

// No response: what went wrong on the way.
Attempt interpret_transport_error(httplib::Error error, bool too_large, double elapsed_seconds, double timeout_seconds) {
  Attempt attempt;
  attempt.retryable = true;
  const std::string what = httplib::to_string(error);
  switch (error) {
    case httplib::Error::ConnectionTimeout:
      attempt.error = ChatError::kTimeout;
      attempt.message = fmt::format("could not connect within {:g} s ({})", timeout_seconds, what);
      break;
    case httplib::Error::Canceled:
      attempt.unmetered = true;
      if (too_large) {
        attempt.error = ChatError::kMalformedResponse;
        attempt.message = fmt::format("response larger than {} bytes", kMaxResponseBytes);
      } else {
        attempt.error = ChatError::kTimeout;
        attempt.message = fmt::format("no complete response within {:g} s", timeout_seconds);
      }
      break;
    case httplib::Error::Read:
      attempt.unmetered = true;
      if (elapsed_seconds >= kTimeoutFraction * timeout_seconds) {
        attempt.error = ChatError::kTimeout;
        attempt.message = fmt::format("no response within {:g} s ({})", timeout_seconds, what);
      } else {
        attempt.error = ChatError::kConnection;
        attempt.message = fmt::format("connection closed before a complete response ({})", what);
      }
      break;
    case httplib::Error::Compression:
      attempt.unmetered = true;
      attempt.error = ChatError::kMalformedResponse;
      attempt.message = fmt::format("response could not be decompressed ({})", what);
      break;
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
    case httplib::Error::BindIPAddress:
      // Configuration problems: the same request fails the same way.
      attempt.retryable = false;
      attempt.error = ChatError::kConnection;
      attempt.message = fmt::format("TLS or network setup failed ({})", what);
      break;
    case httplib::Error::Connection:
    case httplib::Error::Write:
    case httplib::Error::SSLConnection:
      attempt.error = ChatError::kConnection;
      attempt.message = fmt::format("connection failed ({})", what);
      break;
    default:
      attempt.unmetered = true;
      attempt.error = ChatError::kConnection;
      attempt.message = fmt::format("request failed ({})", what);
      break;
  }
  return attempt;
}

// `secret` (the API key) is redacted from the body before anything reads it: a server that echoes the
// request's header must not put the key into a message cut short (half the key survived the cut) or
// into an answer that is stored, exported and explained.
Attempt send_attempt(httplib::ClientImpl& http, const httplib::Request& prototype, double timeout_seconds,
                     std::string_view secret) {
  httplib::Request request = prototype;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(Seconds(timeout_seconds));
  bool too_large = false;
  std::string body;
  // Receives the body as it arrives, whatever its framing (Content-Length, chunked, until close):
  // cuts off a body that trickles past the deadline or grows too large. (httplib's `progress` hook
  // would only see Content-Length bodies.)
  request.content_receiver = [&](const char* data, std::size_t length, std::uint64_t /*offset*/, std::uint64_t /*total*/) {
    if (body.size() + length > kMaxResponseBytes) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return Clock::now() < deadline;
  };
  httplib::Result result = http.send(request);
  if (!result) {
    const double elapsed = Seconds(Clock::now() - start).count();
    return interpret_transport_error(result.error(), too_large, elapsed, timeout_seconds);
  }
  httplib::Response& response = result.value();
  if (body.empty()) body = std::move(response.body);  // in case the receiver was bypassed
  // As written in JSON too: a server may escape '/' as "\/" (JSON allows it), which the plain key does
  // not match. Other escapes are caught once the content is parsed (complete() scrubs it).
  std::string escaped_secret;
  for (const char character : secret) {
    if (character == '/') escaped_secret += '\\';
    escaped_secret += character;
  }
  response.body = redact(redact(std::move(body), secret), escaped_secret);
  if (response.status >= 200 && response.status < 300) return interpret_completion(response.status, response.body);
  return interpret_status(response);
}

double full_jitter_backoff(int retry, double base_seconds, double max_seconds) {
  const double ceiling = std::min(max_seconds, base_seconds * std::ldexp(1.0, std::min(retry, 60)));
  if (!(ceiling > 0.0)) return 0.0;
  // Per thread: no lock, and workers retrying together do not draw the same delays.
  thread_local std::mt19937_64 random(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, ceiling)(random);
}

std::unique_ptr<httplib::ClientImpl> make_http_client(bool https, const std::string& host, int port, double timeout_seconds) {
  std::unique_ptr<httplib::ClientImpl> http;
  if (https) {
    auto ssl = std::make_unique<httplib::SSLClient>(host, port);
    ssl->enable_server_certificate_verification(true);
    http = std::move(ssl);
  } else {
    http = std::make_unique<httplib::ClientImpl>(host, port);
  }
  const Seconds timeout(timeout_seconds);
  http->set_connection_timeout(timeout);
  http->set_read_timeout(timeout);
  http->set_write_timeout(timeout);
  http->set_follow_location(false);
  http->set_keep_alive(false);
  return http;
}

}  // namespace

const char* chat_error_name(ChatError error) {
  switch (error) {
    case ChatError::kNone: return "none";
    case ChatError::kTimeout: return "timeout";
    case ChatError::kConnection: return "connection";
    case ChatError::kHttp4xx: return "http_4xx";
    case ChatError::kRateLimited: return "rate_limited";
    case ChatError::kServer5xx: return "server_5xx";
    case ChatError::kMalformedResponse: return "malformed_response";
    case ChatError::kRefusal: return "refusal";
    case ChatError::kBudget: return "budget";
  }
  return "unknown";
}

ChatConfig ChatConfig::from_env(std::string model) {
  ChatConfig config;
  config.model = std::move(model);
  if (const char* base_url = std::getenv("OPENAI_BASE_URL"); base_url != nullptr && *base_url != '\0') {
    config.base_url = base_url;
  }
  if (const char* api_key = std::getenv("OPENAI_API_KEY"); api_key != nullptr && *api_key != '\0') {
    config.api_key = api_key;
  }
  return config;
}

std::int64_t estimate_prompt_tokens(const std::vector<ChatMessage>& messages) {
  constexpr std::int64_t kTokensPerMessage = 4;  // role and delimiters in the chat format
  constexpr std::int64_t kTokensPerReply = 3;    // the primed assistant turn
  std::int64_t tokens = kTokensPerReply;
  for (const ChatMessage& message : messages) {
    const auto bytes = static_cast<std::int64_t>(message.role.size() + message.content.size());
    tokens += (bytes + 2) / 3 + kTokensPerMessage;
  }
  return tokens;
}

std::optional<double> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
  const std::string trimmed(text::trim(value));
  if (trimmed.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(trimmed.front()))) {
    double seconds = 0.0;
    const auto [end, error] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), seconds);
    if (error == std::errc() && end == trimmed.data() + trimmed.size() && std::isfinite(seconds) && seconds >= 0.0) {
      return seconds;
    }
    return std::nullopt;
  }
  // HTTP-date: IMF-fixdate, and the obsolete RFC 850 and asctime forms RFC 9110 still asks to accept.
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"}) {
    std::tm parts{};
    std::istringstream in(trimmed);
    in.imbue(std::locale::classic());  // English day and month names whatever the user's locale
    in >> std::get_time(&parts, format);
    if (in.fail()) continue;
    in >> std::ws;
    if (!in.eof()) continue;
    const std::time_t when = timegm(&parts);
    if (when == static_cast<std::time_t>(-1)) continue;
    const double seconds = Seconds(std::chrono::system_clock::from_time_t(when) - now).count();
    return std::max(0.0, seconds);
  }
  return std::nullopt;
}

ChatClient::ChatClient(ChatConfig config) : config_(std::move(config)) {
  const BaseUrl url = parse_base_url(config_.base_url);
  if (config_.model.empty()) throw InputError("chat client: no model given");
  if (!(config_.timeout_seconds > 0.0)) throw InputError("chat client: timeout must be positive");
  if (config_.max_retries < 0 || config_.max_malformed_retries < 0) throw InputError("chat client: retry counts must not be negative");
  if (!(config_.base_backoff_seconds >= 0.0) || !(config_.max_backoff_seconds >= 0.0) ||
      !(config_.max_retry_after_seconds >= 0.0)) {
    throw InputError("chat client: backoff times must not be negative");
  }
  // A key with a line break would inject headers; say so without showing any of it.
  for (const char c : config_.api_key) {
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7F) throw InputError("chat client: API key contains whitespace or control characters");
  }
  https_ = url.https;
  host_ = url.host;
  port_ = url.port;
  path_ = url.path_prefix + "/chat/completions" + (url.query.empty() ? "" : "?" + url.query);
  const std::string host = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  endpoint_ = redact_url(fmt::format("{}://{}:{}{}", https_ ? "https" : "http", host, port_, path_));
}

std::string ChatClient::scrub(std::string text) const { return redact(std::move(text), config_.api_key); }

std::string ChatClient::scrub_reply(std::string content) const {
  content = scrub(std::move(content));
  if (config_.api_key.empty()) return content;
  // An answer in JSON may spell the key with escapes (\/, \u002f): its strings are scrubbed as parsed,
  // and the answer written again if one held the key.
  nlohmann::json parsed = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_structured()) return content;
  bool changed = false;
  const std::function<void(nlohmann::json&)> visit = [&](nlohmann::json& node) {
    if (node.is_string()) {
      std::string text = node.get<std::string>();
      std::string clean = scrub(text);
      if (clean != text) {
        node = std::move(clean);
        changed = true;
      }
    } else if (node.is_structured()) {
      for (auto& child : node) visit(child);
    }
  };
  visit(parsed);
  return changed ? parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : content;
}

std::string ChatClient::request_body(const std::vector<ChatMessage>& messages) const {
  nlohmann::json body;
  body["model"] = config_.model;
  nlohmann::json& chat = body["messages"] = nlohmann::json::array();
  for (const ChatMessage& message : messages) chat.push_back({{"role", message.role}, {"content", message.content}});
  body["temperature"] = config_.temperature;
  if (config_.max_tokens) body["max_tokens"] = *config_.max_tokens;
  if (config_.response_schema) {
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema", {{"name", config_.response_schema_name}, {"strict", true}, {"schema", *config_.response_schema}}}};
  }
  // Record values are untrusted and may be invalid UTF-8: replace such bytes rather than throw.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Waits before a retry at least this long are logged as warnings, not debug lines.
constexpr double kLongWaitSeconds = 10.0;

ChatResult ChatClient::complete(const std::vector<ChatMessage>& messages, const RetryGate& may_retry) const {
  const std::unique_ptr<httplib::ClientImpl> http = make_http_client(https_, host_, port_, config_.timeout_seconds);
  httplib::Request request;
  request.method = "POST";
  request.path = path_;
  request.body = request_body(messages);  // the same bytes on every attempt
  request.set_header("Content-Type", "application/json");
  request.set_header("Accept", "application/json");
  request.set_header("User-Agent", "matchmaker/" MATCHMAKER_VERSION);
  if (!config_.api_key.empty()) request.set_header("Authorization", "Bearer " + config_.api_key);

  ChatResult result;
  int malformed_retries = 0;
  for (int retry = 0;; ++retry) {
    Attempt attempt = send_attempt(*http, request, config_.timeout_seconds, config_.api_key);
    ++result.attempts;
    result.prompt_tokens += attempt.prompt_tokens;
    result.completion_tokens += attempt.completion_tokens;
    result.unmetered_attempts += attempt.unmetered ? 1 : 0;
    result.http_status = attempt.http_status;
    result.finish_reason = attempt.finish_reason;
    if (attempt.error == ChatError::kNone) {
      result.ok = true;
      result.content = scrub_reply(std::move(attempt.content));  // the key in any JSON spelling, once unescaped
      return result;
    }

    bool again = attempt.retryable && retry < config_.max_retries;
    if (attempt.error == ChatError::kMalformedResponse) again = again && malformed_retries++ < config_.max_malformed_retries;
    std::string stopped_by;
    if (again && may_retry) {
      stopped_by = may_retry(result);
      again = stopped_by.empty();
    }
    if (!again) {
      result.error = attempt.error;
      result.content = scrub_reply(std::move(attempt.content));
      result.error_message = scrub(fmt::format("POST {}: {}{}{}", endpoint_, attempt.message,
                                               result.attempts > 1 ? fmt::format(" (after {} attempts)", result.attempts) : "",
                                               stopped_by.empty() ? "" : "; not retried: " + stopped_by));
      return result;
    }
    const double delay = attempt.retry_after_seconds
                             ? std::min(*attempt.retry_after_seconds, config_.max_retry_after_seconds)
                             : full_jitter_backoff(retry, config_.base_backoff_seconds, config_.max_backoff_seconds);
    // A long wait is said: a run silent for minutes looks hung (Retry-After may ask up to 120 s).
    const auto level = delay >= kLongWaitSeconds ? spdlog::level::warn : spdlog::level::debug;
    spdlog::log(level, "POST {}: attempt {} failed: {}; retrying in {:.2f} s", endpoint_, result.attempts,
                scrub(attempt.message), delay);
    std::this_thread::sleep_for(Seconds(delay));
  }
}

std::vector<ChatResult> ChatClient::complete_all(std::span<const ChatRequest> requests, std::size_t concurrency,
                                                 CallBudget& budget, const ResultCallback& on_result) const {
  std::vector<ChatResult> results(requests.size());
  if (requests.empty()) return results;

  const auto run_one = [&](const ChatRequest& request) {
    const std::int64_t prompt_estimate = request.estimated_prompt_tokens.value_or(estimate_prompt_tokens(request.messages));
    const std::int64_t completion_estimate = request.estimated_completion_tokens.value_or(this->completion_estimate());
    ReserveResult admission = budget.reserve(config_.model, prompt_estimate, completion_estimate);
    ChatResult result;
    if (!admission) {
      result.error = ChatError::kBudget;
      result.error_message = admission.refusal;
      return result;
    }
    Reservation reservation = *admission.reservation;  // grows with retries (extend)
    // If anything throws after the reservation, keep it charged at its estimate rather than leave it
    // in flight forever or return money that may have been spent.
    struct SettleAtEstimate {
      CallBudget& budget;
      const Reservation& reservation;
      ~SettleAtEstimate() { budget.settle(reservation, reservation.prompt_tokens, reservation.completion_tokens); }
    };
    const SettleAtEstimate guard{budget, reservation};
    // What the call may have cost so far (reported usage, the estimate for each unmetered attempt)
    // plus one more attempt must be held before that attempt is sent.
    const auto within_budget = [&](const ChatResult& so_far) -> std::string {
      const std::int64_t attempts_unknown = so_far.unmetered_attempts + 1;
      const std::int64_t need_prompt = so_far.prompt_tokens + attempts_unknown * prompt_estimate;
      const std::int64_t need_completion = so_far.completion_tokens + attempts_unknown * completion_estimate;
      const std::int64_t extra_prompt = std::max<std::int64_t>(0, need_prompt - reservation.prompt_tokens);
      const std::int64_t extra_completion = std::max<std::int64_t>(0, need_completion - reservation.completion_tokens);
      if (extra_prompt == 0 && extra_completion == 0) return "";
      return budget.extend(reservation, extra_prompt, extra_completion);
    };
    result = complete(request.messages, within_budget);
    const std::int64_t unmetered = result.unmetered_attempts;
    budget.settle(reservation, result.prompt_tokens + unmetered * prompt_estimate,
                  result.completion_tokens + unmetered * completion_estimate);
    return result;  // the guard's settle is then a no-op
  };

  std::atomic<std::size_t> next_index{0};
  std::atomic<bool> stop{false};
  std::mutex callback_mutex;
  std::exception_ptr failure;  // guarded by callback_mutex
  const auto work = [&] {
    try {
      while (!stop.load()) {
        const std::size_t index = next_index.fetch_add(1);
        if (index >= requests.size()) return;
        ChatResult result = run_one(requests[index]);
        const std::lock_guard lock(callback_mutex);
        results[index] = std::move(result);
        if (on_result) on_result(index, results[index]);
      }
    } catch (...) {
      const std::lock_guard lock(callback_mutex);
      if (!failure) failure = std::current_exception();
      stop = true;
    }
  };

  const std::size_t workers = std::clamp<std::size_t>(concurrency, 1, requests.size());
  {
    std::vector<std::jthread> threads;
    threads.reserve(workers);
    for (std::size_t worker = 0; worker < workers; ++worker) threads.emplace_back(work);
  }  // joined here
  if (failure) std::rethrow_exception(failure);
  return results;
}

}  // namespace matchmaker::teacher
