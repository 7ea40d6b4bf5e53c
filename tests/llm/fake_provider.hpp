// A provider on loopback whose every answer the test decides: an httplib server on a free
// port, serving both chat paths, recording each request it got.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace leadscout::test::llm {

/// What the fake answers.
struct FakeReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// A request the fake got.
struct SeenRequest {
  std::string path;
  nlohmann::json body;
  std::string authorization;
  std::string x_api_key;
};

/// An OpenAI chat.completion body answering `content`.
inline std::string openai_answer(const std::string& content, const std::string& model = "gpt-4o-mini-2024-07-18") {
  return nlohmann::json{{"id", "chatcmpl-1"},
                        {"object", "chat.completion"},
                        {"created", 1},
                        {"model", model},
                        {"choices", {{{"index", 0},
                                      {"message", {{"role", "assistant"}, {"content", content}}},
                                      {"finish_reason", "stop"}}}},
                        {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 10}, {"total_tokens", 110}}}}
      .dump();
}

/// An Anthropic message body whose forced tool "answer" got `input`.
inline std::string anthropic_tool_answer(const nlohmann::json& input, const std::string& model = "claude-3-5-haiku-20241022") {
  return nlohmann::json{{"id", "msg_1"},
                        {"type", "message"},
                        {"role", "assistant"},
                        {"model", model},
                        {"content", {{{"type", "tool_use"}, {"id", "toolu_1"}, {"name", "answer"}, {"input", input}}}},
                        {"stop_reason", "tool_use"},
                        {"usage", {{"input_tokens", 200}, {"output_tokens", 20}}}}
      .dump();
}

/// An error body of either API.
inline std::string error_answer(const std::string& message) {
  return nlohmann::json{{"error", {{"type", "error"}, {"message", message}}}}.dump();
}

class FakeProvider {
 public:
  using Handler = std::function<FakeReply(const SeenRequest& request, int index)>;

  explicit FakeProvider(Handler handler) : handler_(std::move(handler)) {
    const auto serve = [this](const httplib::Request& req, httplib::Response& res) {
      SeenRequest seen{req.path, nlohmann::json::parse(req.body, nullptr, false), req.get_header_value("Authorization"),
                       req.get_header_value("x-api-key")};
      int index = 0;
      Handler current;
      {
        const std::lock_guard lock(mutex_);
        index = static_cast<int>(seen_.size());
        seen_.push_back(seen);
        current = handler_;
      }
      const FakeReply reply = current(seen, index);
      res.status = reply.status;
      for (const auto& [name, value] : reply.headers) res.set_header(name, value);
      res.set_content(reply.body, "application/json");
    };
    server_.Post("/v1/chat/completions", serve);
    server_.Post("/v1/messages", serve);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeProvider() {
    server_.stop();
    thread_.join();
  }
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  /// Changes what later requests get.
  void set_handler(Handler handler) {
    const std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }
  [[nodiscard]] std::vector<SeenRequest> seen() const {
    const std::lock_guard lock(mutex_);
    return seen_;
  }
  [[nodiscard]] std::size_t count() const {
    const std::lock_guard lock(mutex_);
    return seen_.size();
  }

 private:
  mutable std::mutex mutex_;
  Handler handler_;
  std::vector<SeenRequest> seen_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace leadscout::test::llm
