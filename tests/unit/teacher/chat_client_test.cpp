// ChatClient against real HTTP servers on 127.0.0.1: an httplib::Server scripted per test, and a raw
// socket server that hangs up. Backoffs are milliseconds so the suite stays fast.

// matchmaker_core links cpp-httplib PRIVATE, so this target does not get pkg-config's -D flags. The
// shared library was built with them, and Request/Client layouts depend on them: define them to match.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#ifndef CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#endif
#ifndef CPPHTTPLIB_BROTLI_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#endif
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "matchmaker/error.h"
#include "teacher/call_budget.h"
#include "teacher/chat_client.h"

namespace matchmaker::teacher {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kApiKey = "sk-test-SECRET-0123456789";

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string completion_body(const std::string& content, int prompt_tokens = 12, int completion_tokens = 3) {
  const nlohmann::json body = {
      {"id", "chatcmpl-1"},
      {"object", "chat.completion"},
      {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}}}},
      {"usage", {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens}}}};
  return body.dump();
}

// An OpenAI-compatible endpoint at http://127.0.0.1:PORT/v1 whose answers the test scripts. It counts
// the requests that reached it and the most that were handled at once.
class FakeLlmServer {
 public:
  // `hit` is 1 for the first request, 2 for the second, ...
  using Script = std::function<void(const httplib::Request& request, httplib::Response& response, int hit)>;

  explicit FakeLlmServer(Script script) : script_(std::move(script)) {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& request, httplib::Response& response) {
      const int hit = ++hits_;
      const int now_in_flight = ++in_flight_;
      int seen = max_in_flight_.load();
      while (now_in_flight > seen && !max_in_flight_.compare_exchange_weak(seen, now_in_flight)) {
      }
      {
        const std::lock_guard lock(mutex_);
        last_body_ = request.body;
        last_authorization_ = request.get_header_value("Authorization");
      }
      script_(request, response, hit);
      --in_flight_;
    });
    server_.set_socket_options([this](socket_t socket) {
      httplib::default_socket_options(socket);
      listen_socket_ = socket;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("fake LLM server: cannot bind");
    // httplib listens with a backlog of 5: a burst of 8 concurrent connects overflows it, and each
    // dropped SYN costs the client a 1 s retransmit. Real servers queue more; so does this one.
    ::listen(listen_socket_, 128);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs: wait for it so the destructor cannot hang.
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }

  ~FakeLlmServer() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    server_.stop();
    thread_.join();
  }

  FakeLlmServer(const FakeLlmServer&) = delete;
  FakeLlmServer& operator=(const FakeLlmServer&) = delete;

  // For handlers that play a slow server: sleeps, but wakes as soon as the server shuts down.
  void sleep(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, duration, [this] { return stopping_; });
  }
  bool stopping() {
    const std::lock_guard lock(mutex_);
    return stopping_;
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int hits() const { return hits_.load(); }
  int max_in_flight() const { return max_in_flight_.load(); }
  std::string last_body() {
    const std::lock_guard lock(mutex_);
    return last_body_;
  }
  std::string last_authorization() {
    const std::lock_guard lock(mutex_);
    return last_authorization_;
  }

 private:
  Script script_;
  httplib::Server server_;
  socket_t listen_socket_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> hits_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string last_body_;
  std::string last_authorization_;
};

// Owns a socket descriptor.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// A TCP listener on 127.0.0.1 with an ephemeral port.
int listening_port(const Socket& socket) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(socket.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) throw std::runtime_error("bind");
  socklen_t length = sizeof address;
  if (::getsockname(socket.fd(), reinterpret_cast<sockaddr*>(&address), &length) != 0) throw std::runtime_error("getsockname");
  return ntohs(address.sin_port);
}

// Accepts each connection, reads the request, and closes the socket without answering.
class HangUpServer {
 public:
  HangUpServer() : listener_(::socket(AF_INET, SOCK_STREAM, 0)) {
    port_ = listening_port(listener_);
    if (::listen(listener_.fd(), 16) != 0) throw std::runtime_error("listen");
    thread_ = std::thread([this] { serve(); });
  }
  ~HangUpServer() {
    stop_ = true;
    thread_.join();
  }
  HangUpServer(const HangUpServer&) = delete;
  HangUpServer& operator=(const HangUpServer&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int accepted() const { return accepted_.load(); }

 private:
  void serve() {
    while (!stop_) {
      pollfd listening{listener_.fd(), POLLIN, 0};
      if (::poll(&listening, 1, 20) <= 0) continue;
      const Socket connection(::accept(listener_.fd(), nullptr, nullptr));
      if (connection.fd() < 0) continue;
      ++accepted_;
      // Drain what the client sends (so closing is a clean FIN, not a reset), then hang up.
      char buffer[4096];
      pollfd readable{connection.fd(), POLLIN, 0};
      while (::poll(&readable, 1, 50) > 0 && ::recv(connection.fd(), buffer, sizeof buffer, 0) > 0) {
      }
    }
  }

  Socket listener_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
};

ChatConfig test_config(const std::string& base_url) {
  ChatConfig config;
  config.base_url = base_url;
  config.api_key = kApiKey;
  config.model = "test-model";
  config.max_tokens = 20;
  config.timeout_seconds = 2.0;
  config.max_retries = 3;
  config.base_backoff_seconds = 0.005;
  config.max_backoff_seconds = 0.02;
  return config;
}

const std::vector<ChatMessage> kQuestion = {{"system", "Answer with one word."}, {"user", "Is the sky blue?"}};

TEST(ChatClientTest, ReturnsTheAnswerAndUsage) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content(completion_body("yes", 21, 1), "application/json");
  });
  ChatConfig config = test_config(server.base_url());
  config.response_schema = nlohmann::json{{"type", "object"}, {"properties", {{"answer", {{"type", "string"}}}}}};
  const ChatClient client(config);
  const ChatResult result = client.complete(kQuestion);

  EXPECT_TRUE(result.ok) << result.error_message;
  EXPECT_EQ(result.content, "yes");
  EXPECT_EQ(result.finish_reason, "stop");
  EXPECT_EQ(result.prompt_tokens, 21);
  EXPECT_EQ(result.completion_tokens, 1);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.http_status, 200);
  EXPECT_EQ(result.unmetered_attempts, 0);
  EXPECT_EQ(result.error, ChatError::kNone);
  EXPECT_TRUE(result.error_message.empty());

  const nlohmann::json sent = nlohmann::json::parse(server.last_body());
  EXPECT_EQ(sent["model"], "test-model");
  EXPECT_EQ(sent["temperature"], 0.0);
  EXPECT_EQ(sent["max_tokens"], 20);
  ASSERT_EQ(sent["messages"].size(), 2u);
  EXPECT_EQ(sent["messages"][1]["role"], "user");
  EXPECT_EQ(sent["messages"][1]["content"], "Is the sky blue?");
  EXPECT_EQ(sent["response_format"]["type"], "json_schema");
  EXPECT_EQ(sent["response_format"]["json_schema"]["strict"], true);
  EXPECT_EQ(sent["response_format"]["json_schema"]["schema"]["type"], "object");
  EXPECT_EQ(server.last_authorization(), std::string("Bearer ") + kApiKey);
}

TEST(ChatClientTest, TrailingSlashInBaseUrlAndEndpoint) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content(completion_body("ok"), "application/json");
  });
  const ChatClient client(test_config(server.base_url() + "/"));
  EXPECT_EQ(client.endpoint(), server.base_url() + "/chat/completions");
  EXPECT_TRUE(client.complete(kQuestion).ok);
}

TEST(ChatClientTest, NoAuthorizationHeaderWithoutKey) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content(completion_body("ok"), "application/json");
  });
  ChatConfig config = test_config(server.base_url());
  config.api_key.clear();
  EXPECT_TRUE(ChatClient(config).complete(kQuestion).ok);
  EXPECT_EQ(server.last_authorization(), "");
}

TEST(ChatClientTest, InvalidUtf8InPromptIsReplacedNotThrown) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content(completion_body("ok"), "application/json");
  });
  const ChatClient client(test_config(server.base_url()));
  const ChatResult result = client.complete({{"user", "caf\xff\xfe record"}});
  EXPECT_TRUE(result.ok) << result.error_message;
  EXPECT_NE(server.last_body().find("caf\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
}

TEST(ChatClientTest, HonoursRetryAfterOn429) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int hit) {
    if (hit == 1) {
      response.status = 429;
      response.set_header("Retry-After", "1");
      response.set_content(R"({"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}})", "application/json");
      return;
    }
    response.set_content(completion_body("yes"), "application/json");
  });
  const ChatClient client(test_config(server.base_url()));
  const auto start = Clock::now();
  const ChatResult result = client.complete(kQuestion);
  const double waited = seconds_since(start);

  EXPECT_TRUE(result.ok) << result.error_message;
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(server.hits(), 2);
  // The configured backoff is at most 20 ms: only Retry-After explains a wait of a second.
  EXPECT_GE(waited, 0.95);
  EXPECT_LT(waited, 5.0);
}

TEST(ChatClientTest, RetryAfterIsCappedAtMaxRetryAfter) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int hit) {
    if (hit == 1) {
      response.status = 503;
      response.set_header("Retry-After", "3600");
      return;
    }
    response.set_content(completion_body("yes"), "application/json");
  });
  ChatConfig config = test_config(server.base_url());
  config.max_retry_after_seconds = 0.05;
  const auto start = Clock::now();
  const ChatResult result = ChatClient(config).complete(kQuestion);
  EXPECT_TRUE(result.ok) << result.error_message;
  EXPECT_EQ(result.attempts, 2);
  EXPECT_LT(seconds_since(start), 2.0);
}

TEST(ChatClientTest, RetriesServerErrorsThenSucceeds) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int hit) {
    if (hit <= 2) {
      response.status = 500;
      response.set_content("internal error", "text/plain");
      return;
    }
    response.set_content(completion_body("yes"), "application/json");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_TRUE(result.ok) << result.error_message;
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(result.http_status, 200);
  EXPECT_EQ(server.hits(), 3);
}

TEST(ChatClientTest, GivesUpAfterMaxRetries) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.status = 503;
    response.set_content(R"({"error": {"message": "overloaded"}})", "application/json");
  });
  ChatConfig config = test_config(server.base_url());
  config.max_retries = 2;
  const ChatResult result = ChatClient(config).complete(kQuestion);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, ChatError::kServer5xx);
  EXPECT_EQ(result.http_status, 503);
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(server.hits(), 3);
  EXPECT_NE(result.error_message.find("overloaded"), std::string::npos) << result.error_message;
  EXPECT_NE(result.error_message.find("after 3 attempts"), std::string::npos) << result.error_message;
}

TEST(ChatClientTest, BadRequestIsNotRetried) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.status = 400;
    response.set_content(R"({"error": {"message": "max_tokens is too large", "code": "invalid_value"}})", "application/json");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_EQ(result.error, ChatError::kHttp4xx);
  EXPECT_EQ(result.http_status, 400);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(server.hits(), 1);
  EXPECT_NE(result.error_message.find("max_tokens is too large"), std::string::npos) << result.error_message;
}

TEST(ChatClientTest, ErrorTextIsValidUtf8EvenFromOverlongFormsAndSurrogates) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.status = 400;
    // An overlong "/" and a UTF-16 surrogate: both look like UTF-8 byte patterns but are invalid.
    response.set_content("bad \xE0\x80\xAF and \xED\xA0\x80 end\tcaf\xC3\xA9", "text/plain");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_EQ(result.error, ChatError::kHttp4xx);
  EXPECT_NE(result.error_message.find("bad ??? and ??? end caf\xC3\xA9"), std::string::npos) << result.error_message;
  EXPECT_NO_THROW(static_cast<void>(nlohmann::json(result.error_message).dump()));  // metrics and logs hold it as JSON
}

TEST(ChatClientTest, RequestTimeout408IsRetried) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int hit) {
    if (hit == 1) {
      response.status = 408;
      return;
    }
    response.set_content(completion_body("yes"), "application/json");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_TRUE(result.ok) << result.error_message;
  EXPECT_EQ(result.attempts, 2);
}

TEST(ChatClientTest, InsufficientQuotaIsNotRetried) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.status = 429;
    response.set_content(R"({"error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}})",
                         "application/json");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_EQ(result.error, ChatError::kRateLimited);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_NE(result.error_message.find("insufficient_quota"), std::string::npos) << result.error_message;
}

TEST(ChatClientTest, ApiKeyNeverInErrorMessage) {
  // A server that echoes the rejected key back, in the body and in a header.
  FakeLlmServer server([](const httplib::Request& request, httplib::Response& response, int) {
    response.status = 401;
    const std::string authorization = request.get_header_value("Authorization");
    response.set_header("X-Echo", authorization);
    response.set_content(nlohmann::json{{"error", {{"message", "Incorrect API key provided: " + authorization}}}}.dump(),
                         "application/json");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_EQ(server.last_authorization(), std::string("Bearer ") + kApiKey);
  EXPECT_EQ(result.error, ChatError::kHttp4xx);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.error_message.find(kApiKey), std::string::npos) << result.error_message;
  EXPECT_NE(result.error_message.find("<redacted>"), std::string::npos) << result.error_message;
}

// The key echoed where a message is cut short (half of it survived the cut: the body was cut, then
// scrubbed), and echoed inside an answer, which is stored, exported and explained.
TEST(ChatClientTest, ApiKeyNeverInACutMessageOrAnAnswer) {
  FakeLlmServer cut_server([](const httplib::Request& request, httplib::Response& response, int) {
    response.status = 400;
    response.set_content(std::string(270, 'x') + " " + request.get_header_value("Authorization"), "text/plain");
  });
  const ChatResult cut = ChatClient(test_config(cut_server.base_url())).complete(kQuestion);
  EXPECT_EQ(cut.error, ChatError::kHttp4xx);
  const std::string key_prefix = std::string(kApiKey).substr(0, 6);
  EXPECT_EQ(cut.error_message.find(key_prefix), std::string::npos) << cut.error_message;

  FakeLlmServer echo_server([](const httplib::Request& request, httplib::Response& response, int) {
    response.set_content(completion_body("[1] your key is " + request.get_header_value("Authorization"), 30, 8),
                         "application/json");
  });
  const ChatResult echoed = ChatClient(test_config(echo_server.base_url())).complete(kQuestion);
  ASSERT_TRUE(echoed.ok) << echoed.error_message;
  EXPECT_EQ(echoed.content, "[1] your key is Bearer <redacted>");

  // A key with a '/', echoed with the slash escaped as JSON allows ("\/"): the raw body does not hold
  // the key as written, the parsed answer does.
  FakeLlmServer escaping_server([](const httplib::Request& request, httplib::Response& response, int) {
    std::string body = completion_body("key " + request.get_header_value("Authorization"), 30, 8);
    for (std::size_t at = body.find('/'); at != std::string::npos; at = body.find('/', at + 2)) body.insert(at, "\\");
    response.set_content(body, "application/json");
  });
  ChatConfig slashed = test_config(escaping_server.base_url());
  slashed.api_key = "sk-ab/cd+efGH";
  const ChatResult escaped = ChatClient(slashed).complete(kQuestion);
  ASSERT_TRUE(escaped.ok) << escaped.error_message;
  EXPECT_EQ(escaped.content, "key Bearer <redacted>");

  // ... and escaped inside the answer's own JSON (\u002f), which is what is stored and explained.
  FakeLlmServer inner_server([](const httplib::Request& request, httplib::Response& response, int) {
    std::string key = request.get_header_value("Authorization").substr(7);
    for (std::size_t at = key.find('/'); at != std::string::npos; at = key.find('/', at)) key.replace(at, 1, "\\u002f");
    response.set_content(completion_body(R"({"answer": "[1]", "explanation": "key )" + key + R"("})", 30, 8), "application/json");
  });
  slashed.base_url = inner_server.base_url();
  const ChatResult inner = ChatClient(slashed).complete(kQuestion);
  ASSERT_TRUE(inner.ok) << inner.error_message;
  EXPECT_EQ(nlohmann::json::parse(inner.content)["explanation"], "key <redacted>");
}

TEST(ChatClientTest, SlowAnswerTimesOut) {
  FakeLlmServer* slow = nullptr;
  FakeLlmServer slow_server([&](const httplib::Request&, httplib::Response& response, int) {
    slow->sleep(3000ms);
    response.set_content(completion_body("late"), "application/json");
  });
  slow = &slow_server;
  ChatConfig config = test_config(slow_server.base_url());
  config.timeout_seconds = 1.0;
  config.max_retries = 1;
  const auto start = Clock::now();
  const ChatResult result = ChatClient(config).complete(kQuestion);
  const double elapsed = seconds_since(start);

  EXPECT_EQ(result.error, ChatError::kTimeout) << result.error_message;
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(result.unmetered_attempts, 2);  // sent: the provider may bill what we never saw
  EXPECT_EQ(result.http_status, 0);
  EXPECT_GE(elapsed, 1.8);
  EXPECT_LT(elapsed, 3.5);
}

TEST(ChatClientTest, TricklingBodyIsCutAtTheDeadline) {
  FakeLlmServer* trickle = nullptr;
  FakeLlmServer server([&](const httplib::Request&, httplib::Response& response, int) {
    // Headers at once, then a byte of JSON whitespace every 100 ms for 5 s.
    response.set_chunked_content_provider("application/json", [&](std::size_t offset, httplib::DataSink& sink) {
      if (offset >= 50 || trickle->stopping()) {
        sink.done();
        return true;
      }
      trickle->sleep(100ms);
      return sink.write(" ", 1);
    });
  });
  trickle = &server;
  ChatConfig config = test_config(server.base_url());
  config.timeout_seconds = 1.0;
  config.max_retries = 0;
  const auto start = Clock::now();
  const ChatResult result = ChatClient(config).complete(kQuestion);
  const double elapsed = seconds_since(start);

  EXPECT_EQ(result.error, ChatError::kTimeout) << result.error_message;
  EXPECT_EQ(result.attempts, 1);
  EXPECT_LT(elapsed, 2.5);
}

TEST(ChatClientTest, ConnectionCutIsRetriedThenReported) {
  HangUpServer server;
  ChatConfig config = test_config(server.base_url());
  config.max_retries = 2;
  const ChatResult result = ChatClient(config).complete(kQuestion);
  EXPECT_EQ(result.error, ChatError::kConnection) << result.error_message;
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(result.http_status, 0);
  EXPECT_EQ(server.accepted(), 3);
  EXPECT_EQ(result.error_message.find(kApiKey), std::string::npos);
}

TEST(ChatClientTest, NothingListeningIsAConnectionError) {
  int port = 0;
  {
    const Socket probe(::socket(AF_INET, SOCK_STREAM, 0));
    port = listening_port(probe);
  }  // closed: nothing listens on `port` now
  ChatConfig config = test_config("http://127.0.0.1:" + std::to_string(port) + "/v1");
  config.max_retries = 1;
  const ChatResult result = ChatClient(config).complete(kQuestion);
  EXPECT_EQ(result.error, ChatError::kConnection) << result.error_message;
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(result.unmetered_attempts, 0);  // never sent: nothing to pay
}

TEST(ChatClientTest, MalformedJsonIsRetriedOnce) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content("<html>Bad gateway</html>", "text/html");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_EQ(result.error, ChatError::kMalformedResponse);
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(server.hits(), 2);
  EXPECT_EQ(result.unmetered_attempts, 2);
  EXPECT_EQ(result.http_status, 200);
  EXPECT_NE(result.error_message.find("not a JSON object"), std::string::npos) << result.error_message;
}

TEST(ChatClientTest, MalformedOnceThenGood) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int hit) {
    response.set_content(hit == 1 ? std::string(R"({"choices": [{"message": {"role": "ass)") : completion_body("yes"),
                         "application/json");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_TRUE(result.ok) << result.error_message;
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(result.unmetered_attempts, 1);
}

TEST(ChatClientTest, MissingChoicesIsMalformedAndItsUsageCounted) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content(R"({"usage": {"prompt_tokens": 7, "completion_tokens": 2}})", "application/json");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_EQ(result.error, ChatError::kMalformedResponse);
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(result.prompt_tokens, 14);  // both attempts reported usage: both are paid for
  EXPECT_EQ(result.completion_tokens, 4);
  EXPECT_EQ(result.unmetered_attempts, 0);
  EXPECT_NE(result.error_message.find("choices[0]"), std::string::npos) << result.error_message;
}

TEST(ChatClientTest, NullContentIsMalformed) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content(R"({"choices": [{"message": {"role": "assistant", "content": null}, "finish_reason": "stop"}]})",
                         "application/json");
  });
  ChatConfig config = test_config(server.base_url());
  config.max_malformed_retries = 0;
  const ChatResult result = ChatClient(config).complete(kQuestion);
  EXPECT_EQ(result.error, ChatError::kMalformedResponse);
  EXPECT_EQ(result.attempts, 1);
}

TEST(ChatClientTest, RefusalIsNotRetried) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content(
        R"({"choices": [{"message": {"role": "assistant", "content": null, "refusal": "I can't help with that."},
            "finish_reason": "stop"}], "usage": {"prompt_tokens": 9, "completion_tokens": 6}})",
        "application/json");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, ChatError::kRefusal);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.prompt_tokens, 9);
  EXPECT_NE(result.error_message.find("I can't help with that."), std::string::npos) << result.error_message;
}

TEST(ChatClientTest, ContentFilterIsARefusal) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content(R"({"choices": [{"message": {"role": "assistant", "content": ""}, "finish_reason": "content_filter"}]})",
                         "application/json");
  });
  const ChatResult result = ChatClient(test_config(server.base_url())).complete(kQuestion);
  EXPECT_EQ(result.error, ChatError::kRefusal);
  EXPECT_EQ(result.finish_reason, "content_filter");
  EXPECT_EQ(result.attempts, 1);
}

TEST(ChatClientTest, RejectsBadConfiguration) {
  const auto config_with_url = [](const std::string& url) { return test_config(url); };
  EXPECT_THROW(ChatClient(config_with_url("ftp://example.com/v1")), InputError);
  EXPECT_THROW(ChatClient(config_with_url("http://")), InputError);
  EXPECT_THROW(ChatClient(config_with_url("http://example.com:99999/v1")), InputError);
  EXPECT_THROW(ChatClient(config_with_url("example.com/v1")), InputError);
  try {
    ChatClient client(config_with_url("https://user:hunter2secret@example.com/v1"));
    FAIL() << "credentials in the URL were accepted";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()).find("hunter2secret"), std::string::npos) << error.what();
  }
  ChatConfig no_model = test_config("http://127.0.0.1:1/v1");
  no_model.model.clear();
  EXPECT_THROW(ChatClient{no_model}, InputError);
  ChatConfig bad_key = test_config("http://127.0.0.1:1/v1");
  bad_key.api_key = "sk-abc\r\nX-Injected: 1";
  try {
    ChatClient client(bad_key);
    FAIL() << "a key with a line break was accepted";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()).find("sk-abc"), std::string::npos) << error.what();
  }
}

TEST(ChatClientTest, EndpointHidesQueryValues) {
  const ChatClient client(test_config("https://example.com/openai/v1?api-version=2024-06-01"));
  EXPECT_EQ(client.endpoint(), "https://example.com:443/openai/v1/chat/completions?<redacted>");
}

TEST(ChatClientTest, EndpointOfIpv6HostAndDefaultPorts) {
  EXPECT_EQ(ChatClient(test_config("http://[::1]:8000/v1")).endpoint(), "http://[::1]:8000/v1/chat/completions");
  EXPECT_EQ(ChatClient(test_config("HTTP://localhost")).endpoint(), "http://localhost:80/chat/completions");
  EXPECT_EQ(ChatClient(test_config(kDefaultOpenAiBaseUrl)).endpoint(), "https://api.openai.com:443/v1/chat/completions");
}

TEST(ChatClientTest, ConfigFromEnvironment) {
  // Restores the variables afterwards; the tests run one at a time, so no other thread reads them.
  const auto saved = [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  const std::optional<std::string> base_url = saved("OPENAI_BASE_URL");
  const std::optional<std::string> api_key = saved("OPENAI_API_KEY");
  const auto restore = [](const char* name, const std::optional<std::string>& value) {
    if (value) ::setenv(name, value->c_str(), 1);
    else ::unsetenv(name);
  };

  ::unsetenv("OPENAI_BASE_URL");
  ::unsetenv("OPENAI_API_KEY");
  const ChatConfig defaults = ChatConfig::from_env("gpt-4o-mini");
  EXPECT_EQ(defaults.base_url, kDefaultOpenAiBaseUrl);
  EXPECT_EQ(defaults.api_key, "");
  EXPECT_EQ(defaults.model, "gpt-4o-mini");
  EXPECT_EQ(defaults.temperature, 0.0);
  EXPECT_EQ(defaults.timeout_seconds, 60.0);
  EXPECT_EQ(defaults.max_retries, 5);
  EXPECT_EQ(defaults.base_backoff_seconds, 0.5);
  EXPECT_EQ(defaults.max_backoff_seconds, 30.0);
  EXPECT_EQ(defaults.max_retry_after_seconds, 120.0);

  ::setenv("OPENAI_BASE_URL", "http://localhost:11434/v1", 1);
  ::setenv("OPENAI_API_KEY", kApiKey, 1);
  const ChatConfig from_env = ChatConfig::from_env("llama3");
  EXPECT_EQ(from_env.base_url, "http://localhost:11434/v1");
  EXPECT_EQ(from_env.api_key, kApiKey);

  restore("OPENAI_BASE_URL", base_url);
  restore("OPENAI_API_KEY", api_key);
}

TEST(ChatClientRetryAfter, ParsesSecondsAndHttpDates) {
  const auto now = std::chrono::system_clock::from_time_t(1445412475);  // Wed, 21 Oct 2015 07:27:55 GMT
  EXPECT_EQ(parse_retry_after("1", now), 1.0);
  EXPECT_EQ(parse_retry_after(" 120 ", now), 120.0);
  EXPECT_EQ(parse_retry_after("0.5", now), 0.5);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), 5.0);
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now), 5.0);
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:00 2015", now), 5.0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0.0);  // in the past
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-3", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("12abc", now), std::nullopt);
}

TEST(ChatClientEstimate, GrowsWithTextAndMessages) {
  const std::int64_t one = estimate_prompt_tokens({{"user", "hello"}});
  const std::int64_t two = estimate_prompt_tokens({{"user", "hello"}, {"user", "hello"}});
  EXPECT_GT(one, 0);
  EXPECT_GT(two, one);
  EXPECT_GE(estimate_prompt_tokens({{"user", std::string(3000, 'a')}}), 1000);
}

std::vector<ChatRequest> requests(std::size_t count, std::optional<std::int64_t> estimated_prompt_tokens = std::nullopt) {
  std::vector<ChatRequest> all(count);
  for (std::size_t idx = 0; idx < count; ++idx) {
    all[idx].messages = {{"user", "question " + std::to_string(idx)}};
    all[idx].estimated_prompt_tokens = estimated_prompt_tokens;
  }
  return all;
}

TEST(ChatClientBudget, CallsCapHoldsUnderConcurrency) {
  FakeLlmServer* slow = nullptr;
  FakeLlmServer server([&](const httplib::Request& request, httplib::Response& response, int) {
    slow->sleep(20ms);  // keep several requests in flight at once
    const nlohmann::json sent = nlohmann::json::parse(request.body);
    response.set_content(completion_body("answer to " + sent["messages"][0]["content"].get<std::string>(), 10, 2),
                         "application/json");
  });
  slow = &server;
  const ChatClient client(test_config(server.base_url()));
  CallBudget budget(BudgetCaps{.max_calls = 20});
  std::mutex seen_mutex;
  std::vector<std::size_t> seen;
  const std::vector<ChatRequest> all = requests(50);
  const std::vector<ChatResult> results = client.complete_all(all, 8, budget, [&](std::size_t index, const ChatResult&) {
    const std::lock_guard lock(seen_mutex);
    seen.push_back(index);
  });

  ASSERT_EQ(results.size(), 50u);
  EXPECT_EQ(server.hits(), 20);
  EXPECT_LE(server.max_in_flight(), 8);
  int answered = 0;
  int refused = 0;
  for (std::size_t idx = 0; idx < results.size(); ++idx) {
    if (results[idx].ok) {
      ++answered;
      EXPECT_EQ(results[idx].content, "answer to question " + std::to_string(idx));
    } else {
      ++refused;
      EXPECT_EQ(results[idx].error, ChatError::kBudget);
      EXPECT_EQ(results[idx].attempts, 0);
      EXPECT_EQ(results[idx].error_message, "calls cap 20 reached");
    }
  }
  EXPECT_EQ(answered, 20);
  EXPECT_EQ(refused, 30);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(std::set<std::size_t>(seen.begin(), seen.end()).size(), 50u);

  const BudgetReport report = budget.report();
  EXPECT_EQ(report.calls, 20);
  EXPECT_EQ(report.refused, 30);
  EXPECT_EQ(report.in_flight, 0);
  EXPECT_EQ(report.prompt_tokens, 200);
  EXPECT_EQ(report.completion_tokens, 40);
}

TEST(ChatClientBudget, ConcurrencyIsBounded) {
  FakeLlmServer* slow = nullptr;
  FakeLlmServer server([&](const httplib::Request&, httplib::Response& response, int) {
    slow->sleep(60ms);
    response.set_content(completion_body("ok"), "application/json");
  });
  slow = &server;
  const ChatClient client(test_config(server.base_url()));
  CallBudget budget;
  const std::vector<ChatResult> results = client.complete_all(requests(12), 3, budget);
  EXPECT_EQ(server.hits(), 12);
  EXPECT_LE(server.max_in_flight(), 3);
  EXPECT_GE(server.max_in_flight(), 2);
  EXPECT_TRUE(std::all_of(results.begin(), results.end(), [](const ChatResult& result) { return result.ok; }));
}

TEST(ChatClientBudget, TokenCapStopsFurtherCalls) {
  // Each answer reports 50 + 10 tokens; each request reserves 10 + 10 (max_tokens) beforehand.
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content(completion_body("ok", 50, 10), "application/json");
  });
  ChatConfig config = test_config(server.base_url());
  config.max_tokens = 10;
  const ChatClient client(config);
  CallBudget budget(BudgetCaps{.max_tokens = 150});
  const std::vector<ChatResult> results = client.complete_all(requests(10, 10), 1, budget);

  // Admitted while used + estimate fits: 0+20, 60+20, 120+20 <= 150; then 180+20 > 150.
  EXPECT_EQ(server.hits(), 3);
  for (std::size_t idx = 0; idx < results.size(); ++idx) {
    if (idx < 3) {
      EXPECT_TRUE(results[idx].ok) << idx;
    } else {
      EXPECT_EQ(results[idx].error, ChatError::kBudget) << idx;
      EXPECT_EQ(results[idx].error_message.rfind("token cap", 0), 0u) << results[idx].error_message;
    }
  }
  EXPECT_EQ(budget.report().tokens(), 180);
  EXPECT_EQ(budget.report().refused, 7);
}

TEST(ChatClientBudget, UnmeteredAttemptsAreChargedAtTheEstimate) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content("not json", "text/plain");
  });
  ChatConfig config = test_config(server.base_url());
  config.max_tokens = 30;
  const ChatClient client(config);
  CallBudget budget;
  std::vector<ChatRequest> all = requests(1);
  all[0].estimated_prompt_tokens = 100;
  const std::vector<ChatResult> results = client.complete_all(all, 4, budget);
  ASSERT_EQ(results[0].error, ChatError::kMalformedResponse);
  ASSERT_EQ(results[0].unmetered_attempts, 2);
  const BudgetReport report = budget.report();
  EXPECT_EQ(report.calls, 1);
  EXPECT_EQ(report.prompt_tokens, 200);
  EXPECT_EQ(report.completion_tokens, 60);
}

// A retry after an attempt that may have been billed is sent only if the budget holds one more
// attempt: before, a malformed reply's retry was charged after admission and passed the token cap.
TEST(ChatClientBudget, RetriesOfBilledAttemptsStayInsideTheTokenCap) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int hit) {
    // Odd hits: a reply without choices that still reports usage (billed); even hits: an answer.
    response.set_content(hit % 2 == 1 ? std::string(R"({"usage": {"prompt_tokens": 10, "completion_tokens": 10}})")
                                      : completion_body("ok", 10, 10),
                         "application/json");
  });
  ChatConfig config = test_config(server.base_url());
  config.max_tokens = 10;
  const ChatClient client(config);
  CallBudget budget(BudgetCaps{.max_tokens = 70});
  const std::vector<ChatResult> results = client.complete_all(requests(3, 10), 1, budget);
  // Call 1: 20 billed, retry admitted (20 + 20 <= 70), 20 more: 40. Call 2 admitted (40 + 20), its
  // first attempt billed (60); a retry would need 20 more: refused, the call ends malformed. Call 3:
  // 60 + 20 > 70, refused before sending.
  ASSERT_TRUE(results[0].ok) << results[0].error_message;
  EXPECT_EQ(results[1].error, ChatError::kMalformedResponse);
  EXPECT_NE(results[1].error_message.find("not retried: token cap 70"), std::string::npos) << results[1].error_message;
  EXPECT_EQ(results[2].error, ChatError::kBudget);
  EXPECT_EQ(server.hits(), 3);
  EXPECT_LE(budget.report().tokens(), 70);
  EXPECT_EQ(budget.report().tokens(), 60);
}

TEST(ChatClientBudget, CallbackFailureStopsNewRequests) {
  FakeLlmServer server([](const httplib::Request&, httplib::Response& response, int) {
    response.set_content(completion_body("ok"), "application/json");
  });
  const ChatClient client(test_config(server.base_url()));
  CallBudget budget;
  EXPECT_THROW(client.complete_all(requests(10), 1, budget,
                                   [](std::size_t, const ChatResult&) { throw std::runtime_error("disk full"); }),
               std::runtime_error);
  EXPECT_EQ(server.hits(), 1);
  EXPECT_EQ(budget.report().calls, 1);
  EXPECT_EQ(budget.report().in_flight, 0);
}

}  // namespace
}  // namespace matchmaker::teacher
