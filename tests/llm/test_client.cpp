// llm::Client against a fake provider on loopback: answers, schema re-asks, status codes,
// failover and recovery, telemetry, and the key kept out of every output.
#include <gtest/gtest.h>

#include <atomic>

#include "fake_provider.hpp"
#include "promtool.hpp"
#include "llm_test_utils.hpp"

namespace {

using namespace leadscout::test::llm;
using namespace std::chrono_literals;
using leadscout::test::ScopedEnv;
using leadscout::test::TempDir;
using leadscout::test::batch::events;
using leadscout::test::batch::init_logging;
using leadscout::test::batch::make_items;
using leadscout::test::batch::test_options;
using nlohmann::json;

const std::string kGood = R"({"label":"english","confidence":0.9})";

FakeReply ok_openai(const SeenRequest&, int) { return {200, openai_answer(kGood), {}}; }

lm::Client client_for(std::vector<std::string> urls, lm::ClientOptions o = {}) {
  for (const std::string& url : urls) {
    o.endpoints.push_back(lm::Endpoint{.api = lm::Api::openai, .base_url = url, .model = "gpt-4o-mini"});
  }
  return lm::Client(std::move(o));
}

TEST(LlmClient, AnswersAreCheckedAndCarryUsageCostAndModel) {
  TempDir dir;
  init_logging(dir.path());
  FakeProvider provider(ok_openai);
  lm::Client client = client_for({provider.url()});
  auto opt = test_options(dir.path());
  opt.quotas = client.quotas();
  lb::BackgroundProcessor<Item, Label> proc(opt);
  std::vector<lm::Reply> replies;
  const auto summary = proc.run(make_items(3), [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Label> {
    lm::Reply reply = client.complete(ctx, lm::Request{.system = "s", .user = item.id, .schema = kLabelSchema, .max_tokens = 64});
    replies.push_back(reply);
    if (!reply.ok()) return reply.failure();
    return Label{reply.json().at("label").get<std::string>(), reply.json().at("confidence").get<double>()};
  });
  ASSERT_EQ(summary.succeeded, 3U) << summary.reason;
  EXPECT_EQ(lb::exit_code(summary), 0);
  const lm::Reply& r = replies.front();
  EXPECT_EQ(r.model(), "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(r.usage().input_tokens, 100);
  EXPECT_EQ(r.usage().output_tokens, 10);
  EXPECT_NEAR(r.cost_usd(), (100 * 0.15 + 10 * 0.60) / 1e6, 1e-12);
  EXPECT_EQ(r.endpoint(), 0U);
  const json sent = provider.seen().front().body;
  EXPECT_EQ(sent.at("response_format").at("type"), "json_schema");
  EXPECT_EQ(sent.at("response_format").at("json_schema").at("strict"), true);
  EXPECT_EQ(summary.quotas.at("openai").tokens_total, 330) << "settled with the reported usage";
}

TEST(LlmClient, AnthropicAnswersThroughTheForcedTool) {
  TempDir dir;
  FakeProvider provider([](const SeenRequest&, int) {
    return FakeReply{200, anthropic_tool_answer(json::parse(kGood)), {}};
  });
  lm::Client client({.endpoints = {{.api = lm::Api::anthropic, .base_url = provider.url(), .model = "claude-3-5-haiku-latest"}}});
  auto opt = test_options(dir.path());
  opt.quotas = client.quotas();
  ASSERT_EQ(opt.quotas.front().name, "anthropic");
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(make_items(1), classify_with(client));
  ASSERT_EQ(summary.succeeded, 1U) << summary.reason;
  EXPECT_EQ(summary.results.front().second.label, "english");
  const SeenRequest seen = provider.seen().front();
  EXPECT_EQ(seen.path, "/v1/messages");
  EXPECT_EQ(seen.body.at("tool_choice").at("type"), "tool");
  EXPECT_EQ(seen.body.at("tools").at(0).at("input_schema"), json::parse(kLabelSchema));
}

TEST(LlmClient, AnInvalidAnswerIsAskedAgainWithTheError) {
  TempDir dir;
  FakeProvider provider([](const SeenRequest&, int index) {
    return FakeReply{200, openai_answer(index == 0 ? R"(Sure! ```json
{"label":"english"}
```)" : kGood), {}};
  });
  lm::Client client = client_for({provider.url()});
  auto opt = test_options(dir.path());
  opt.quotas = client.quotas();
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(make_items(1), classify_with(client));
  ASSERT_EQ(summary.succeeded, 1U) << summary.reason;
  const auto seen = provider.seen();
  ASSERT_EQ(seen.size(), 2U);
  const json& messages = seen[1].body.at("messages");
  const std::string last = messages.back().at("content");
  EXPECT_NE(last.find("confidence"), std::string::npos) << "the re-ask names what is missing: " << last;
  EXPECT_EQ(messages.at(messages.size() - 2).at("role"), "assistant");
}

TEST(LlmClient, AnAnswerThatStaysInvalidFailsInvalidAnswer) {
  TempDir dir;
  FakeProvider provider([](const SeenRequest&, int) { return FakeReply{200, openai_answer(R"({"label":"x"})"), {}}; });
  lm::Client client = client_for({provider.url()}, {.reask = 1});
  auto opt = test_options(dir.path());
  opt.quotas = client.quotas();
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(make_items(1), classify_with(client));
  ASSERT_EQ(summary.failures.size(), 1U);
  EXPECT_EQ(summary.failures.front().reason, "invalid_answer");
  EXPECT_EQ(summary.failures.front().attempts, 1) << "not retried";
  EXPECT_EQ(provider.count(), 2U) << "asked once, re-asked once";
}

TEST(LlmClient, AnUnsupportedSchemaKeywordIsAnErrorNamingIt) {
  EXPECT_THROW(lm::Schema(R"({"type":"string","pattern":"^a"})"), leadscout::Error);
  try {
    lm::Schema schema(R"({"type":"object","properties":{"name":{"type":"string","pattern":"^a"}}})");
    FAIL() << "accepted";
  } catch (const leadscout::Error& e) {
    EXPECT_NE(std::string(e.what()).find("pattern"), std::string::npos) << e.what();
  }
}

TEST(LlmClient, UnauthorizedHaltsTheRunNamingTheEndpointAndTheKeyVariable) {
  TempDir dir;
  FakeProvider provider([](const SeenRequest&, int) { return FakeReply{401, error_answer("Incorrect API key"), {}}; });
  lm::Client client = client_for({provider.url()});
  auto opt = test_options(dir.path());
  opt.quotas = client.quotas();
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(make_items(5), classify_with(client));
  EXPECT_EQ(summary.status, lb::Status::failed);
  EXPECT_EQ(lb::exit_code(summary), 1);
  EXPECT_NE(summary.reason.find("401"), std::string::npos) << summary.reason;
  EXPECT_NE(summary.reason.find("OPENAI_API_KEY"), std::string::npos) << summary.reason;
  EXPECT_NE(summary.reason.find("127.0.0.1"), std::string::npos) << summary.reason;
  EXPECT_EQ(provider.count(), 1U) << "no call after the halt";
}

TEST(LlmClient, OtherClientErrorsFailTheItemWithoutRetry) {
  TempDir dir;
  FakeProvider provider([](const SeenRequest&, int) { return FakeReply{400, error_answer("bad max_tokens"), {}}; });
  lm::Client client = client_for({provider.url()});
  auto opt = test_options(dir.path());
  opt.quotas = client.quotas();
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(make_items(2), classify_with(client));
  EXPECT_EQ(summary.status, lb::Status::completed);
  ASSERT_EQ(summary.failures.size(), 2U);
  EXPECT_EQ(summary.failures.front().reason, "bad_request");
  EXPECT_EQ(provider.count(), 2U);
}

TEST(LlmClient, TheKeyNeverReachesTheLog) {
  TempDir dir;
  const auto log = init_logging(dir.path());
  const ScopedEnv key("LEADSCOUT_TEST_LLM_KEY", "sk-very-secret-42");
  FakeProvider provider([](const SeenRequest& r, int) {
    return FakeReply{500, error_answer("your key " + r.authorization + " is odd"), {}};
  });
  lm::Client client({.endpoints = {{.base_url = provider.url(), .model = "gpt-4o-mini", .key_env = "LEADSCOUT_TEST_LLM_KEY"}}});
  auto opt = test_options(dir.path());
  opt.quotas = client.quotas();
  opt.retry.max_attempts = 1;
  lb::BackgroundProcessor<Item, Label> proc(opt);
  (void)proc.run(make_items(1), classify_with(client));
  EXPECT_EQ(provider.seen().front().authorization, "Bearer sk-very-secret-42") << "the key is sent";
  const auto calls = events(log, "LLM call");
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls.front().at("outcome"), "server_error");
  EXPECT_EQ(leadscout::test::read_file(log).find("sk-very-secret-42"), std::string::npos);
}

TEST(LlmClient, EachCallIsOneEventWithTheGenAiAttributes) {
  TempDir dir;
  const auto log = init_logging(dir.path());
  FakeProvider provider(ok_openai);
  lm::Client client = client_for({provider.url()});
  auto opt = test_options(dir.path());
  opt.quotas = client.quotas();
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(make_items(2), classify_with(client));
  ASSERT_EQ(summary.succeeded, 2U) << summary.reason;
  const auto calls = events(log, "LLM call");
  ASSERT_EQ(calls.size(), 2U);
  const json& e = calls.front();
  EXPECT_EQ(e.at("logger"), "api");
  EXPECT_EQ(e.at("gen_ai.provider.name"), "openai");
  EXPECT_EQ(e.at("gen_ai.request.model"), "gpt-4o-mini");
  EXPECT_EQ(e.at("gen_ai.response.model"), "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(e.at("gen_ai.usage.input_tokens"), 100);
  EXPECT_EQ(e.at("gen_ai.usage.output_tokens"), 10);
  EXPECT_EQ(e.at("gen_ai.response.finish_reasons"), json::array({"stop"}));
  EXPECT_EQ(e.at("outcome"), "ok");
  EXPECT_TRUE(e.contains("latency_ms"));
  EXPECT_TRUE(e.contains("cost_usd"));
  const std::string prom = leadscout::test::read_file(dir.path() / "progress" / "test_op.prom");
  EXPECT_NE(prom.find("# TYPE gen_ai_client_token_usage histogram"), std::string::npos) << prom;
  EXPECT_NE(prom.find("gen_ai_token_type=\"output\""), std::string::npos) << prom;
  EXPECT_NE(prom.find("gen_ai_client_operation_duration_seconds_count{"), std::string::npos) << prom;
  const auto promtool = leadscout::test::find_promtool();
  ASSERT_FALSE(promtool.empty()) << leadscout::test::kPromtoolMissing;
  const auto check = leadscout::test::promtool_check_metrics(promtool, dir.path() / "progress" / "test_op.prom", dir.path());
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

/// The message of the leadscout::Error `make` throws, or "" when it throws none.
template <class F>
std::string error_of(F make) {
  try {
    make();
  } catch (const leadscout::Error& e) {
    return e.what();
  }
  return {};
}

TEST(LlmClient, OptionsThatCannotWorkAreErrorsNamingTheCulprit) {
  EXPECT_NE(error_of([] { lm::Client c(lm::ClientOptions{}); }).find("endpoints is empty"), std::string::npos);
  EXPECT_NE(error_of([] { lm::Client c({.endpoints = {{.api = lm::Api::openai}}}); }).find("endpoints[0] has no model"),
            std::string::npos);
  const std::string bad_url = error_of([] {
    lm::Client c({.endpoints = {{.model = "m"}, {.base_url = "ftp://example.com/v1", .model = "m"}}});
  });
  EXPECT_NE(bad_url.find("endpoints[1]"), std::string::npos) << bad_url;
  EXPECT_NE(bad_url.find("ftp://example.com/v1"), std::string::npos) << bad_url;
  const std::string bad_ca = error_of([] {
    lm::Client c({.endpoints = {{.model = "m"}}, .ca_file = "/nonexistent/ca.pem"});
  });
  EXPECT_NE(bad_ca.find("/nonexistent/ca.pem"), std::string::npos) << bad_ca;
}

TEST(LlmClient, AQuotaMissingFromTheRunFailsTheItemNamingIt) {
  TempDir dir;
  FakeProvider provider(ok_openai);
  lm::Client client = client_for({provider.url()});
  auto opt = test_options(dir.path());
  opt.retry.max_attempts = 1;  // opt.quotas left without client.quotas()
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(make_items(1), classify_with(client));
  EXPECT_EQ(summary.succeeded, 0U);
  EXPECT_EQ(provider.count(), 0U) << "no call without a permit";
}

}  // namespace
