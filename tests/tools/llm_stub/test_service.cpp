// Unit tests of the stub's request parsing and of its service without HTTP: keys, 401, 429,
// errors, hangs, and answers equal to the in-process simulation's.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>

#include "leads.hpp"
#include "protocol.hpp"
#include "service.hpp"
#include "simulated_llm.hpp"
#include "stub_test_utils.hpp"

namespace stub = leadscout::llm_stub;
namespace lt = leadscout::test;
using namespace std::chrono_literals;

namespace {

stub::Reply post(stub::StubService& s, stub::Api api, const std::string& body, std::string_view key = "sk-test") {
  const std::string auth = key.empty() ? "" : "Bearer " + std::string(key);
  return s.handle({api, "", auth, body, {}});
}

std::string request_for(stub::Api api, std::string_view name) {
  return api == stub::Api::openai ? lt::openai_request(name) : lt::anthropic_request(name);
}

}  // namespace

TEST(StubProtocol, NameFromANameLineOrTheWholeText) {
  EXPECT_EQ(stub::lead_name("Classify the origin.\nName: Thabo Dlamini\nAnswer in JSON."), "Thabo Dlamini");
  EXPECT_EQ(stub::lead_name("  Name:   Jane Doe  \r\n"), "Jane Doe");
  EXPECT_EQ(stub::lead_name("  Pieter van der Merwe \n"), "Pieter van der Merwe");
  EXPECT_EQ(stub::lead_name("Surname: X\nFirst line"), "Surname: X\nFirst line");
}

TEST(StubProtocol, OpenAiRequestTakesTheLastUserMessage) {
  const std::string body = R"({"model":"gpt-4o","max_tokens":50,"messages":[
      {"role":"user","content":"Name: Old"},{"role":"assistant","content":"ok"},
      {"role":"user","content":[{"type":"text","text":"Classify."},{"type":"text","text":"Name: Sipho Nkosi"}]}]})";
  const auto parsed = stub::parse_request(stub::Api::openai, body);
  ASSERT_TRUE(parsed.request) << parsed.error;
  EXPECT_EQ(parsed.request->model, "gpt-4o");
  EXPECT_EQ(parsed.request->name, "Sipho Nkosi");
  // 9 + 2 + 27 characters at about 4 a token, and the 50 of max_tokens.
  EXPECT_EQ(parsed.request->estimated_tokens, 10 + 50);
}

TEST(StubProtocol, OpenAiWithoutMaxTokensAssumesADefault) {
  const auto parsed = stub::parse_request(stub::Api::openai, lt::openai_request("A B"));
  ASSERT_TRUE(parsed.request);
  EXPECT_GT(parsed.request->estimated_tokens, stub::kDefaultMaxTokens);
}

TEST(StubProtocol, AnthropicNeedsMaxTokens) {
  const auto ok = stub::parse_request(stub::Api::anthropic, lt::anthropic_request("Sipho Nkosi"));
  ASSERT_TRUE(ok.request) << ok.error;
  EXPECT_EQ(ok.request->name, "Sipho Nkosi");
  const auto missing = stub::parse_request(stub::Api::anthropic,
                                           R"({"model":"claude-3-haiku","messages":[{"role":"user","content":"x"}]})");
  EXPECT_FALSE(missing.request);
  EXPECT_NE(missing.error.find("max_tokens"), std::string::npos);
}

TEST(StubProtocol, InvalidBodiesSayWhy) {
  for (const char* body :
       {"not json", "[]", R"({"messages":[{"role":"user","content":"x"}]})", R"({"model":"m","messages":[]})",
        R"({"model":"m","messages":[{"role":"system","content":"x"}]})",
        R"({"model":"m","messages":[{"role":"user","content":"  "}]})"}) {
    const auto parsed = stub::parse_request(stub::Api::openai, body);
    EXPECT_FALSE(parsed.request) << body;
    EXPECT_FALSE(parsed.error.empty()) << body;
  }
}

/// Generated leads with each name once: the stub counts a name's calls as its attempts, and the
/// generator repeats names as real lists do.
static std::vector<demo::Lead> distinct_leads(std::size_t count, std::uint64_t seed) {
  std::vector<demo::Lead> out;
  std::set<std::string> seen;
  for (auto& lead : demo::generate_leads(count, seed)) {
    if (seen.insert(lead.name).second) out.push_back(std::move(lead));
  }
  return out;
}

TEST(StubService, LabelsEqualTheSimulatedLlmsForTheSameSeed) {
  stub::StubOptions options;
  options.seed = 7;
  stub::StubService service(options);
  demo::LlmSettings settings;
  settings.seed = 7;
  settings.failure_rate = 0.0;
  settings.hang_rate = 0.0;
  const demo::SimulatedLlm openai(demo::openai_provider(), settings);
  const demo::SimulatedLlm anthropic(demo::anthropic_provider(), settings);
  auto leads = distinct_leads(60, 7);
  leads.push_back({"x", "Zyxw Qvut"});  // unknown to the name data: the plan's guess
  for (const auto& lead : leads) {
    for (const auto api : {stub::Api::openai, stub::Api::anthropic}) {
      const demo::SimulatedLlm& reference = api == stub::Api::openai ? openai : anthropic;
      for (int attempt = 1; attempt <= 2; ++attempt) {  // a repeated call gets the next attempt's plan
        const auto reply = post(service, api, request_for(api, lead.name));
        ASSERT_EQ(reply.status, 200) << reply.body;
        const auto answer = lt::answer_of(reply.body);
        const auto plan = reference.plan(lead.name, attempt);
        EXPECT_EQ(answer["label"], plan.label) << lead.name;
        EXPECT_EQ(answer["confidence"], plan.confidence) << lead.name;
      }
    }
  }
}

TEST(StubService, FencedAnswersFollowTheSeedAndName) {
  stub::StubService service({});
  int fenced = 0;
  for (const auto& lead : demo::generate_leads(100, 3)) {
    const auto reply = post(service, stub::Api::openai, lt::openai_request(lead.name));
    const bool is_fenced = lt::answer_text_of(reply.body).starts_with("```json\n");
    EXPECT_EQ(is_fenced, stub::fenced_answer(42, lead.name)) << lead.name;
    fenced += is_fenced ? 1 : 0;
  }
  EXPECT_GT(fenced, 5);
  EXPECT_LT(fenced, 40);
}

TEST(StubService, MissingAndRejectedKeysAre401) {
  stub::StubOptions options;
  options.reject_key = "sk-revoked";
  stub::StubService service(options);
  const auto missing = post(service, stub::Api::openai, lt::openai_request("A"), "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(nlohmann::json::parse(missing.body)["error"]["code"], "invalid_api_key");
  const auto rejected = service.handle({stub::Api::anthropic, "sk-revoked", "", lt::anthropic_request("A"), {}});
  EXPECT_EQ(rejected.status, 401);
  EXPECT_EQ(nlohmann::json::parse(rejected.body)["error"]["type"], "authentication_error");
  const auto stats = nlohmann::json::parse(service.stats_json());
  EXPECT_EQ(stats["requests"], 2);
  EXPECT_EQ(stats["unauthorized"], 2);
  EXPECT_TRUE(stats["calls_by_name"].empty());
}

TEST(StubService, AnInProcessProviderMayAnswerWithoutAKey) {
  stub::StubOptions options;
  options.require_key = false;
  options.reject_key = "sk-revoked";
  stub::StubService service(options);
  EXPECT_EQ(post(service, stub::Api::openai, lt::openai_request("A"), "").status, 200);
  EXPECT_EQ(service.handle({stub::Api::anthropic, "sk-revoked", "", lt::anthropic_request("A"), {}}).status, 401)
      << "a rejected key is still rejected";
}

TEST(StubService, RateLimitIsPerKeyWithRetryAfter) {
  stub::StubOptions options;
  options.limits.rpm = 2;
  auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  stub::StubService service(options, [&now] { return now; });
  EXPECT_EQ(post(service, stub::Api::openai, lt::openai_request("A"), "k1").status, 200);
  EXPECT_EQ(post(service, stub::Api::openai, lt::openai_request("B"), "k1").status, 200);
  const auto limited = post(service, stub::Api::openai, lt::openai_request("C"), "k1");
  ASSERT_EQ(limited.status, 429);
  auto h = lt::header_map(limited.headers);
  EXPECT_EQ(h["retry-after"], "30");
  EXPECT_EQ(h["x-ratelimit-remaining-requests"], "0");
  EXPECT_EQ(nlohmann::json::parse(limited.body)["error"]["code"], "rate_limit_exceeded");
  EXPECT_EQ(post(service, stub::Api::anthropic, lt::anthropic_request("C"), "k2").status, 200);
  now += 30s;
  EXPECT_EQ(post(service, stub::Api::openai, lt::openai_request("C"), "k1").status, 200);
  const auto stats = nlohmann::json::parse(service.stats_json());
  EXPECT_EQ(stats["rate_limited"], 1);
  EXPECT_EQ(stats["answered"], 4);
  EXPECT_EQ(stats["calls_by_name"]["C"], 2);  // the refused call never reached the model
}

TEST(StubService, FailuresAre500Or503NeverA429) {
  stub::StubOptions options;
  options.failure_rate = 1.0;
  stub::StubService service(options);
  std::map<int, int> statuses;
  for (const auto& lead : demo::generate_leads(60, 5)) {
    const auto reply = post(service, stub::Api::anthropic, lt::anthropic_request(lead.name));
    ++statuses[reply.status];
    EXPECT_EQ(nlohmann::json::parse(reply.body)["type"], "error");
  }
  EXPECT_EQ(statuses.size(), 2u);
  EXPECT_GT(statuses[500], 0);
  EXPECT_GT(statuses[503], 0);
  const auto stats = nlohmann::json::parse(service.stats_json());
  EXPECT_EQ(stats["errors"], 60);
  EXPECT_EQ(stats["tokens"], 0);
}

TEST(StubProtocol, SchemaComesFromResponseFormatOrTheForcedTool) {
  const auto openai = stub::parse_request(stub::Api::openai, lt::openai_schema_request("Sipho Nkosi"));
  ASSERT_TRUE(openai.request) << openai.error;
  EXPECT_EQ(openai.request->schema, lt::label_schema());
  EXPECT_EQ(openai.request->name, "Sipho Nkosi");
  const auto anthropic = stub::parse_request(stub::Api::anthropic, lt::anthropic_tool_request("Sipho Nkosi"));
  ASSERT_TRUE(anthropic.request) << anthropic.error;
  EXPECT_EQ(anthropic.request->schema, lt::label_schema());
  EXPECT_EQ(anthropic.request->schema_name, "record_label");
  EXPECT_TRUE(stub::parse_request(stub::Api::openai, lt::openai_request("A")).request->schema.is_null());
}

TEST(StubService, StructuredRequestsGetTheAnswerAsJsonOrAsTheToolsInput) {
  stub::StubService service({});
  int would_be_fenced = 0;
  for (const auto& lead : distinct_leads(40, 3)) {
    would_be_fenced += stub::fenced_answer(42, lead.name) ? 1 : 0;
    const auto openai = post(service, stub::Api::openai, lt::openai_schema_request(lead.name));
    ASSERT_EQ(openai.status, 200) << openai.body;
    const auto plan = service.model(stub::Api::openai).plan(lead.name, 1);
    const auto content = nlohmann::json::parse(lt::answer_text_of(openai.body));  // never fenced
    EXPECT_EQ(content["label"], plan.label) << lead.name;
    EXPECT_EQ(content["confidence"], plan.confidence) << lead.name;

    const auto anthropic = post(service, stub::Api::anthropic, lt::anthropic_tool_request(lead.name));
    ASSERT_EQ(anthropic.status, 200) << anthropic.body;
    const auto body = nlohmann::json::parse(anthropic.body);
    EXPECT_EQ(body["stop_reason"], "tool_use");
    ASSERT_EQ(body["content"].size(), 1u);
    const auto& block = body["content"][0];
    EXPECT_EQ(block["type"], "tool_use");
    EXPECT_EQ(block["name"], "record_label");
    EXPECT_EQ(block["id"].get<std::string>().rfind("toolu_", 0), 0u);
    const auto reference = service.model(stub::Api::anthropic).plan(lead.name, 1);
    EXPECT_EQ(block["input"], (nlohmann::json{{"label", reference.label}, {"confidence", reference.confidence}}));
  }
  EXPECT_GT(would_be_fenced, 0);  // names whose free-text answer is fenced were among them
}

TEST(StubService, MalformedSchemaRequestsAre400NamingTheField) {
  stub::StubService service({});
  auto body = nlohmann::json::parse(lt::anthropic_tool_request("A"));
  body["tool_choice"]["name"] = "missing";
  const auto reply = post(service, stub::Api::anthropic, body.dump());
  EXPECT_EQ(reply.status, 400);
  const auto error = nlohmann::json::parse(reply.body)["error"];
  EXPECT_EQ(error["type"], "invalid_request_error");
  EXPECT_NE(error["message"].get<std::string>().find("tool_choice.name"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(service.stats_json())["bad_requests"], 1);
}

TEST(StubService, FailureRateIs5xxOnBothApisAlsoForStructuredRequests) {
  stub::StubOptions options;
  options.failure_rate = 1.0;
  stub::StubService service(options);
  for (const auto& lead : demo::generate_leads(20, 9)) {
    const auto openai = post(service, stub::Api::openai, lt::openai_schema_request(lead.name));
    EXPECT_TRUE(openai.status == 500 || openai.status == 503) << openai.status;
    EXPECT_EQ(nlohmann::json::parse(openai.body)["error"]["type"], "server_error");
    const auto anthropic = post(service, stub::Api::anthropic, lt::anthropic_tool_request(lead.name));
    EXPECT_TRUE(anthropic.status == 500 || anthropic.status == 503) << anthropic.status;
  }
  EXPECT_EQ(nlohmann::json::parse(service.stats_json())["errors"], 40);
}

TEST(StubService, HungCallReturnsOnlyAtStop) {
  stub::StubOptions options;
  options.hang_rate = 1.0;
  stub::StubService service(options);
  auto call = std::async(std::launch::async, [&] { return post(service, stub::Api::openai, lt::openai_request("A")); });
  EXPECT_EQ(call.wait_for(200ms), std::future_status::timeout);
  service.stop();
  ASSERT_EQ(call.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(call.get().status, 503);
  EXPECT_EQ(nlohmann::json::parse(service.stats_json())["hung"], 1);
}
