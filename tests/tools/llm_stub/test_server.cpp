// End-to-end tests of leadscout-llm-stub: the real binary on a free loopback port, driven by
// an httplib client, stopped with SIGTERM.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "running_stub.hpp"
#include "stub_test_utils.hpp"
#include "utils.hpp"

namespace lt = leadscout::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

httplib::Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

httplib::Result post_openai(httplib::Client& c, const std::string& name, const httplib::Headers& headers,
                            const std::string& path = "/v1/chat/completions") {
  return c.Post(path.c_str(), headers, lt::openai_request(name), "application/json");
}

httplib::Result post_anthropic(httplib::Client& c, const std::string& name, const httplib::Headers& headers,
                               const std::string& path = "/v1/messages") {
  return c.Post(path.c_str(), headers, lt::anthropic_request(name), "application/json");
}

/// Runs the binary with `flags` to its exit; the exit code and stderr.
std::pair<int, std::string> run_to_exit(const std::vector<std::string>& flags) {
  lt::TempDir dir;
  std::vector<std::string> argv{LEADSCOUT_LLM_STUB_BIN};
  argv.insert(argv.end(), flags.begin(), flags.end());
  lt::ChildProcess p(argv, dir.path());
  const int code = p.wait(10s);
  return {code, p.err()};
}

/// Starts `call` on another thread, sends SIGTERM 100 ms later, and expects the stub to exit 0
/// within a second, the call ending with a 503 or a closed connection.
void expect_prompt_exit_with_a_call_in_flight(lt::RunningStub& stub,
                                              const std::function<httplib::Result(httplib::Client&)>& call) {
  auto in_flight = std::async(std::launch::async, [&stub, &call] {
    auto c = stub.client();
    const auto r = call(c);
    return r ? r->status : -1;
  });
  std::this_thread::sleep_for(100ms);
  const auto signalled = std::chrono::steady_clock::now();
  EXPECT_EQ(stub.terminate(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 1s);
  const int status = in_flight.get();
  EXPECT_TRUE(status == 503 || status == -1) << status;
}

}  // namespace

TEST(StubServer, BothApisAnswerWithTheirBodiesAndHeaders) {
  lt::RunningStub stub({"--seed", "42"});
  auto c = stub.client();
  for (const std::string path : {"/v1/chat/completions", "/chat/completions"}) {
    const auto res = post_openai(c, "Thabo Dlamini", bearer("sk-test"), path);
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    const auto body = json::parse(res->body);
    EXPECT_EQ(body["object"], "chat.completion");
    EXPECT_EQ(body["model"], "gpt-4o-mini");
    EXPECT_EQ(lt::answer_of(res->body)["label"], "african");
    EXPECT_GT(body["usage"]["total_tokens"].get<int>(), 0);
    for (const char* h : {"x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
                          "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"}) {
      EXPECT_TRUE(res->has_header(h)) << h;
    }
  }
  for (const std::string path : {"/v1/messages", "/messages"}) {
    const auto res = post_anthropic(c, "John Smith", {{"x-api-key", "sk-ant-test"}}, path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    const auto body = json::parse(res->body);
    EXPECT_EQ(body["type"], "message");
    EXPECT_EQ(body["model"], "claude-3-haiku");
    EXPECT_EQ(lt::answer_of(res->body)["label"], "english");
    EXPECT_EQ(res->get_header_value("anthropic-ratelimit-requests-reset").size(), 20u);  // YYYY-MM-DDTHH:MM:SSZ
    EXPECT_TRUE(res->has_header("anthropic-ratelimit-tokens-remaining"));
    EXPECT_TRUE(res->has_header("anthropic-ratelimit-output-tokens-limit"));
  }
  const auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(stub.terminate(), 0);
}

TEST(StubServer, MissingOrRejectedKeyIs401) {
  lt::RunningStub stub({"--reject-key", "sk-revoked"});
  auto c = stub.client();
  const auto missing = post_openai(c, "A", {});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(json::parse(missing->body)["error"]["code"], "invalid_api_key");
  const auto rejected = post_anthropic(c, "A", bearer("sk-revoked"));
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, 401);
  EXPECT_EQ(json::parse(rejected->body)["error"]["type"], "authentication_error");
  const auto rejected_header = post_openai(c, "A", {{"x-api-key", "sk-revoked"}});
  ASSERT_TRUE(rejected_header);
  EXPECT_EQ(rejected_header->status, 401);
  const auto stats = stub.stats();
  EXPECT_EQ(stats["unauthorized"], 3);
  EXPECT_EQ(stats["answered"], 0);
  EXPECT_EQ(stub.terminate(), 0);
}

TEST(StubServer, RequestsBeyondTheRpmAre429WithRetryAfter) {
  lt::RunningStub stub({"--rpm", "5"});
  auto c = stub.client();
  std::vector<int> statuses;
  for (int i = 0; i < 7; ++i) {
    const auto res = post_openai(c, "Lead " + std::to_string(i), bearer("sk-a"));
    ASSERT_TRUE(res);
    statuses.push_back(res->status);
    if (res->status != 429) continue;
    EXPECT_GE(std::stoi(res->get_header_value("retry-after")), 1);
    EXPECT_EQ(res->get_header_value("x-ratelimit-remaining-requests"), "0");
    EXPECT_EQ(res->get_header_value("x-ratelimit-limit-requests"), "5");
    EXPECT_EQ(json::parse(res->body)["error"]["code"], "rate_limit_exceeded");
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 200, 200, 200, 429, 429}));
  const auto anthropic = post_anthropic(c, "Lead 9", {{"x-api-key", "sk-a"}});  // the same key's bucket
  ASSERT_TRUE(anthropic);
  EXPECT_EQ(anthropic->status, 429);
  EXPECT_EQ(json::parse(anthropic->body)["error"]["type"], "rate_limit_error");
  EXPECT_TRUE(anthropic->has_header("retry-after"));
  const auto other_key = post_openai(c, "Lead 5", bearer("sk-b"));
  ASSERT_TRUE(other_key);
  EXPECT_EQ(other_key->status, 200);

  const auto stats = stub.stats();
  EXPECT_EQ(stats["requests"], 9);
  EXPECT_EQ(stats["answered"], 6);
  EXPECT_EQ(stats["rate_limited"], 3);
  EXPECT_GT(stats["tokens"].get<int>(), 6 * 100);
  EXPECT_EQ(stats["calls_by_name"]["Lead 5"], 1);  // its 429 never reached the model
  EXPECT_EQ(stats["answered_by_name"]["Lead 0"], 1);
  EXPECT_FALSE(stats["calls_by_name"].contains("Lead 9"));
  EXPECT_EQ(stub.terminate(), 0);
}

TEST(StubServer, FailureRateAnswers5xxOnBothApis) {
  lt::RunningStub stub({"--failure-rate", "1"});
  auto c = stub.client();
  std::set<int> statuses;
  for (int i = 0; i < 10; ++i) {
    const std::string name = "Lead " + std::to_string(i);
    const auto openai = c.Post("/v1/chat/completions", bearer("sk-a"), lt::openai_schema_request(name),
                               "application/json");
    ASSERT_TRUE(openai);
    statuses.insert(openai->status);
    EXPECT_EQ(json::parse(openai->body)["error"]["type"], "server_error");
    const auto anthropic = c.Post("/v1/messages", {{"x-api-key", "sk-a"}}, lt::anthropic_tool_request(name),
                                  "application/json");
    ASSERT_TRUE(anthropic);
    statuses.insert(anthropic->status);
    EXPECT_EQ(json::parse(anthropic->body)["error"]["type"], "api_error");
  }
  EXPECT_EQ(statuses, (std::set<int>{500, 503}));
  EXPECT_EQ(stub.stats()["errors"], 20);
  EXPECT_EQ(stub.terminate(), 0);
}

TEST(StubServer, HungRequestIsCutByTheClientAndSigtermStillExitsAtOnce) {
  lt::RunningStub stub({"--hang-rate", "1"});
  auto c = stub.client();
  c.set_read_timeout(300ms);
  const auto start = std::chrono::steady_clock::now();
  const auto res = post_openai(c, "A", bearer("sk-a"));
  EXPECT_FALSE(res);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(stub.stats()["hung"], 1);
  // Another hung call still in flight at the signal.
  expect_prompt_exit_with_a_call_in_flight(stub,
                                           [](httplib::Client& c2) { return post_anthropic(c2, "B", bearer("sk-a")); });
}

TEST(StubServer, SigtermDuringSlowAnswersExitsZero) {
  lt::RunningStub stub({"--latency-ms", "3000"});
  expect_prompt_exit_with_a_call_in_flight(stub,
                                           [](httplib::Client& c) { return post_openai(c, "A", bearer("sk-a")); });
}

TEST(StubServer, SigintAlsoExitsZero) {
  lt::RunningStub stub({});
  auto c = stub.client();
  const auto res = post_openai(c, "A", bearer("sk-a"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(stub.terminate(3s, SIGINT), 0);
}

TEST(StubServer, AOneSecondWindowRefusesBeyondASecondsShareAndReportsTheMinute) {
  lt::RunningStub stub({"--rpm", "60", "--window-seconds", "1"});  // one request a second
  auto c = stub.client();
  const auto first = post_openai(c, "Lead 1", bearer("sk-a"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  const auto second = post_openai(c, "Lead 2", bearer("sk-a"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 429);
  EXPECT_EQ(second->get_header_value("retry-after"), "1");
  EXPECT_EQ(second->get_header_value("x-ratelimit-limit-requests"), "60");
  EXPECT_GE(std::stoi(second->get_header_value("x-ratelimit-remaining-requests")), 58)
      << "the headers report the minute's bucket, not the second's";
  EXPECT_NE(json::parse(second->body)["error"]["message"].get<std::string>().find("requests per min (RPM)"),
            std::string::npos)
      << second->body;
  EXPECT_EQ(stub.terminate(), 0);
}

TEST(StubServer, BadFlagValuesNameTheFlag) {
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{{"--port", "70000"},
                                                                                    {"--port", "abc"},
                                                                                    {"--failure-rate", "1.5"},
                                                                                    {"--hang-rate", "-0.1"},
                                                                                    {"--rpm", "-1"},
                                                                                    {"--tpm", "many"},
                                                                                    {"--window-seconds", "0"},
                                                                                    {"--window-seconds", "61"},
                                                                                    {"--latency-ms", "-5"},
                                                                                    {"--seed", "x"},
                                                                                    {"--batch-seconds", "-1"},
                                                                                    {"--batch-expire-rate", "2"}}) {
    const auto [code, err] = run_to_exit({flag, value});
    EXPECT_EQ(code, 2) << flag << ' ' << value;
    EXPECT_NE(err.find(flag), std::string::npos) << flag << ": " << err;
  }
  const auto [code, err] = run_to_exit({"--failure-rate", "0.6", "--hang-rate", "0.6"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--hang-rate"), std::string::npos) << err;
  EXPECT_EQ(run_to_exit({"--no-such-flag"}).first, 2);
  EXPECT_EQ(run_to_exit({"--help"}).first, 0);
}
