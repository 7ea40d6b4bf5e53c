// The demo's transports against the provider stub: over loopback HTTP (an httplib server in
// this process) and in process. Calls reach the stub, its answers parse, and a stop closes a
// hung call at once.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "http_transport.hpp"
#include "loopback_transport.hpp"
#include "server.hpp"
#include "service.hpp"

namespace {

namespace stub = leadscout::llm_stub;
using namespace std::chrono_literals;

/// The stub's routes on a free loopback port, for the life of the object.
class StubServer {
 public:
  explicit StubServer(stub::StubOptions options) : service_(std::move(options)) {
    stub::configure_server(server_, service_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~StubServer() {
    service_.stop();
    server_.stop();
    thread_.join();
  }
  StubServer(const StubServer&) = delete;
  StubServer& operator=(const StubServer&) = delete;
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] stub::StubService& service() { return service_; }

 private:
  stub::StubService service_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::string label_of(const demo::HttpReply& r, demo::LlmApi api) {
  const auto c = demo::parse_completion(api, r.body);
  if (!c) return "";
  const auto a = demo::parse_answer(c->text);
  return a ? a->label : "";
}

TEST(DemoHttpTransport, BothApisAnswerAsTheSimulationPlans) {
  StubServer server({});
  const demo::HttpTransport openai(server.url() + "/v1", "sk-test", 5s);
  const demo::HttpTransport anthropic(server.url(), "sk-test", 5s);
  for (const char* name : {"DIEMBY LUBAMBO", "Zebediah Quartermaine"}) {
    const auto o = openai.post(demo::LlmApi::openai, demo::request_body(demo::LlmApi::openai, "gpt-4o-mini", name), {});
    ASSERT_EQ(o.status, 200) << o.body;
    EXPECT_EQ(label_of(o, demo::LlmApi::openai), server.service().model(stub::Api::openai).plan(name, 1).label);
    const auto a = anthropic.post(demo::LlmApi::anthropic,
                                  demo::request_body(demo::LlmApi::anthropic, "claude-3-haiku", name), {});
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(label_of(a, demo::LlmApi::anthropic),
              server.service().model(stub::Api::anthropic).plan(name, 1).label);
    bool limit_header = false;
    for (const auto& [k, v] : o.headers) limit_header = limit_header || k == "x-ratelimit-remaining-requests";
    EXPECT_TRUE(limit_header);
  }
}

TEST(DemoHttpTransport, ARejectedKeyIsA401WithTheProvidersMessage) {
  stub::StubOptions options;
  options.reject_key = "sk-revoked";
  StubServer server(options);
  for (const auto api : {demo::LlmApi::openai, demo::LlmApi::anthropic}) {
    const demo::HttpTransport t(server.url(), "sk-revoked", 5s);
    const auto r = t.post(api, demo::request_body(api, "m", "X"), {});
    EXPECT_EQ(r.status, 401);
    EXPECT_FALSE(demo::error_message(r.body).empty());
  }
}

TEST(DemoHttpTransport, AStopClosesAHungCallAtOnce) {
  stub::StubOptions options;
  options.hang_rate = 1.0;
  StubServer server(options);
  const demo::HttpTransport t(server.url(), "sk-test", 30s);
  std::stop_source stop;
  const auto start = std::chrono::steady_clock::now();
  auto call = std::async(std::launch::async, [&] {
    return t.post(demo::LlmApi::openai, demo::request_body(demo::LlmApi::openai, "m", "X"), stop.get_token());
  });
  std::this_thread::sleep_for(300ms);
  stop.request_stop();
  const auto r = call.get();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.cancelled);
  EXPECT_LT(elapsed, 400ms);
  // The same transport (and thread-local connection) works again afterwards.
  std::stop_source again;
  auto next = std::async(std::launch::async, [&] {
    return t.post(demo::LlmApi::openai, demo::request_body(demo::LlmApi::openai, "m", "Y"), again.get_token());
  });
  std::this_thread::sleep_for(50ms);
  again.request_stop();
  EXPECT_TRUE(next.get().cancelled);
}

TEST(DemoHttpTransport, NoServerIsAConnectionError) {
  int port = 0;
  {
    httplib::Server probe;
    port = probe.bind_to_any_port("127.0.0.1");
  }  // closed again: nothing listens there
  const demo::HttpTransport t("http://127.0.0.1:" + std::to_string(port), "sk-test", 2s);
  const auto r = t.post(demo::LlmApi::openai, demo::request_body(demo::LlmApi::openai, "m", "X"), {});
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
  EXPECT_FALSE(r.cancelled);
}

TEST(DemoHttpTransport, BadUrlsAreRejected) {
  for (const char* url : {"ftp://example.com", "api.openai.com/v1", "https://"}) {
    EXPECT_THROW(demo::HttpTransport(url, "k", 1s), demo::UrlError) << url;
  }
  const demo::HttpTransport t("https://api.openai.com/v1/", "k", 1s);
  EXPECT_EQ(t.describe(), "https://api.openai.com/v1");
}

TEST(DemoLoopbackTransport, AnswersInProcessAndStopsAHang) {
  stub::StubOptions options;
  stub::StubService service(options);
  const demo::LoopbackTransport t(service);
  const auto r = t.post(demo::LlmApi::anthropic, demo::request_body(demo::LlmApi::anthropic, "m", "DIEMBY LUBAMBO"), {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(label_of(r, demo::LlmApi::anthropic), service.model(stub::Api::anthropic).plan("DIEMBY LUBAMBO", 1).label);

  stub::StubOptions hanging;
  hanging.hang_rate = 1.0;
  stub::StubService hung(hanging);
  const demo::LoopbackTransport h(hung);
  std::stop_source stop;
  auto call = std::async(std::launch::async, [&] {
    return h.post(demo::LlmApi::openai, demo::request_body(demo::LlmApi::openai, "m", "X"), stop.get_token());
  });
  std::this_thread::sleep_for(50ms);
  stop.request_stop();
  EXPECT_TRUE(call.get().cancelled);
}

}  // namespace
