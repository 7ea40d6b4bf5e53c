// The stub's Anthropic Message Batches API without HTTP, on a clock the tests move: processing,
// results, expiry, errored rows, cancel, listing, limits, and duplicates counted per provider.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "batch_test_utils.hpp"

namespace stub = leadscout::llm_stub;
namespace lt = leadscout::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const lt::Rows kRows = {{"lead-1", "John Smith"}, {"lead-2", "Thabo Dlamini"}, {"lead-3", "Jane Doe"},
                        {"lead-4", "Sipho Nkosi"}};
constexpr const char* kBase = "http://127.0.0.1:9";

json retrieve(stub::AnthropicBatches& b, const json& batch) {
  return lt::ok(b.retrieve(batch["id"].get<std::string>(), kBase));
}

std::vector<json> results(stub::AnthropicBatches& b, const json& batch) {
  const stub::Reply r = b.results(batch["id"].get<std::string>());
  EXPECT_EQ(r.status, 200) << r.body;
  return lt::json_lines(r.body);
}

}  // namespace

TEST(StubAnthropicBatch, ProcessesThenEndsWithTheOnlineAnswers) {
  lt::ManualClock clock;
  stub::StubService service(lt::batch_options(clock, 100s));
  auto& b = service.anthropic_batches();
  json batch = lt::ok(b.create(lt::anthropic_batch(kRows), kBase));
  const std::string id = batch["id"];
  EXPECT_EQ(id.rfind("msgbatch_", 0), 0u);
  EXPECT_EQ(batch["type"], "message_batch");
  EXPECT_EQ(batch["processing_status"], "in_progress");
  EXPECT_EQ(batch["request_counts"],
            (json{{"processing", 4}, {"succeeded", 0}, {"errored", 0}, {"canceled", 0}, {"expired", 0}}));
  EXPECT_EQ(batch["created_at"], stub::format_rfc3339(clock.now));
  EXPECT_EQ(batch["expires_at"], stub::format_rfc3339(clock.now + 24h));
  EXPECT_TRUE(batch["results_url"].is_null());
  EXPECT_TRUE(batch["ended_at"].is_null());
  EXPECT_EQ(b.results(id).status, 400);  // not before it has ended

  clock.now += 95s;
  EXPECT_EQ(retrieve(b, batch)["processing_status"], "in_progress");
  clock.now += 5s;
  batch = retrieve(b, batch);
  EXPECT_EQ(batch["processing_status"], "ended");
  EXPECT_EQ(batch["ended_at"], stub::format_rfc3339(clock.now));
  EXPECT_EQ(batch["results_url"], std::string(kBase) + "/v1/messages/batches/" + id + "/results");
  EXPECT_EQ(batch["request_counts"],
            (json{{"processing", 0}, {"succeeded", 4}, {"errored", 0}, {"canceled", 0}, {"expired", 0}}));

  stub::StubService online(stub::StubOptions{});
  const auto lines = results(b, batch);
  ASSERT_EQ(lines.size(), kRows.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["custom_id"], kRows[i].first);
    EXPECT_EQ(lines[i]["result"]["type"], "succeeded");
    const json& message = lines[i]["result"]["message"];
    EXPECT_EQ(message["type"], "message");
    const auto direct =
        online.handle({stub::Api::anthropic, "k", "", lt::anthropic_request(kRows[i].second), {}});
    EXPECT_EQ(lt::answer_of(message.dump()), lt::answer_of(direct.body));
    EXPECT_EQ(message["usage"], json::parse(direct.body)["usage"]);
  }
}

TEST(StubAnthropicBatch, ForcedToolRowsAnswerWithToolUse) {
  lt::ManualClock clock;
  stub::StubService service(lt::batch_options(clock, 0s));
  const json body = {{"requests", {{{"custom_id", "t1"}, {"params", json::parse(lt::anthropic_tool_request("John Smith"))}}}}};
  const json batch = lt::ok(service.anthropic_batches().create(body.dump(), kBase));
  EXPECT_EQ(batch["processing_status"], "ended");
  const auto lines = results(service.anthropic_batches(), batch);
  ASSERT_EQ(lines.size(), 1u);
  const json& message = lines[0]["result"]["message"];
  EXPECT_EQ(message["stop_reason"], "tool_use");
  EXPECT_EQ(message["content"][0]["input"]["label"], "english");
}

TEST(StubAnthropicBatch, ExpiredBatchEndsWithHalfItsRowsAndExpiredResults) {
  lt::ManualClock clock;
  auto options = lt::batch_options(clock, 10s);
  options.batches.expire_rate = 1.0;
  stub::StubService service(options);
  auto& b = service.anthropic_batches();
  json batch = lt::ok(b.create(lt::anthropic_batch(kRows), kBase));
  clock.now += 10s;
  batch = retrieve(b, batch);
  EXPECT_EQ(batch["processing_status"], "ended");
  EXPECT_EQ(batch["request_counts"],
            (json{{"processing", 0}, {"succeeded", 2}, {"errored", 0}, {"canceled", 0}, {"expired", 2}}));
  const auto lines = results(b, batch);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1]["result"]["type"], "succeeded");
  EXPECT_EQ(lines[2]["result"], (json{{"type", "expired"}}));
  EXPECT_EQ(lines[3]["custom_id"], "lead-4");
}

TEST(StubAnthropicBatch, FailureRateGivesErroredRowsWithAnApiError) {
  lt::ManualClock clock;
  auto options = lt::batch_options(clock, 0s);
  options.failure_rate = 1.0;
  stub::StubService service(options);
  auto& b = service.anthropic_batches();
  const json batch = lt::ok(b.create(lt::anthropic_batch({{"a", "John Smith"}}), kBase));
  EXPECT_EQ(batch["request_counts"]["errored"], 1);
  const auto lines = results(b, batch);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["result"]["type"], "errored");
  EXPECT_EQ(lines[0]["result"]["error"]["type"], "error");
  EXPECT_EQ(lines[0]["result"]["error"]["error"]["type"], "api_error");
}

TEST(StubAnthropicBatch, CancelEndsWithCanceledRows) {
  lt::ManualClock clock;
  stub::StubService service(lt::batch_options(clock, 100s));
  auto& b = service.anthropic_batches();
  json batch = lt::ok(b.create(lt::anthropic_batch(kRows), kBase));
  clock.now += 30s;  // a quarter of the in-progress time
  batch = lt::ok(b.cancel(batch["id"].get<std::string>(), kBase));
  EXPECT_EQ(batch["processing_status"], "canceling");
  EXPECT_EQ(batch["cancel_initiated_at"], stub::format_rfc3339(clock.now));
  clock.now += 10s;
  batch = retrieve(b, batch);
  EXPECT_EQ(batch["processing_status"], "ended");
  EXPECT_EQ(batch["request_counts"],
            (json{{"processing", 0}, {"succeeded", 1}, {"errored", 0}, {"canceled", 3}, {"expired", 0}}));
  const auto lines = results(b, batch);
  EXPECT_EQ(lines[0]["result"]["type"], "succeeded");
  EXPECT_EQ(lines[1]["result"], (json{{"type", "canceled"}}));
  EXPECT_EQ(b.cancel("msgbatch_nope", kBase).status, 404);
}

TEST(StubAnthropicBatch, ListIsNewestFirstWithPages) {
  lt::ManualClock clock;
  stub::StubService service(lt::batch_options(clock, 0s));
  auto& b = service.anthropic_batches();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(lt::ok(b.create(lt::anthropic_batch({{"r" + std::to_string(i), "John Smith"}}), kBase))["id"]);
  }
  json page = lt::ok(b.list("2", "", kBase));
  ASSERT_EQ(page["data"].size(), 2u);
  EXPECT_EQ(page["data"][0]["id"], ids[2]);
  EXPECT_EQ(page["last_id"], ids[1]);
  EXPECT_TRUE(page["has_more"].get<bool>());
  page = lt::ok(b.list(std::nullopt, ids[1], kBase));
  ASSERT_EQ(page["data"].size(), 1u);
  EXPECT_EQ(page["data"][0]["id"], ids[0]);
  EXPECT_FALSE(page["has_more"].get<bool>());
}

TEST(StubAnthropicBatch, BodiesOverTheLimitsOrInvalidAreRefused) {
  lt::ManualClock clock;
  auto options = lt::batch_options(clock, 0s);
  options.batches.anthropic_max_bytes = 2000;
  options.batches.anthropic_max_requests = 2;
  stub::StubService service(options);
  auto& b = service.anthropic_batches();
  const stub::Reply big = b.create(std::string(2001, ' '), kBase);
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(json::parse(big.body)["error"]["type"], "request_too_large");
  const stub::Reply many = b.create(lt::anthropic_batch({{"a", "A B"}, {"b", "C D"}, {"c", "E F"}}), kBase);
  EXPECT_EQ(many.status, 400);
  EXPECT_EQ(json::parse(many.body)["error"]["type"], "invalid_request_error");
  EXPECT_EQ(b.create(lt::anthropic_batch({{"a", "A B"}, {"a", "C D"}}), kBase).status, 400);
  EXPECT_EQ(b.create(lt::anthropic_batch({{"no spaces", "A B"}}), kBase).status, 400);
  EXPECT_EQ(b.create(R"({"requests":[]})", kBase).status, 400);
  EXPECT_EQ(json::parse(service.stats_json())["batches_created"], 0);
}

TEST(StubBatches, DuplicatesAreCountedPerProvider) {
  lt::ManualClock clock;
  stub::StubService service(lt::batch_options(clock, 0s));
  static_cast<void>(lt::ok(service.anthropic_batches().create(lt::anthropic_batch({{"a", "John Smith"}}), kBase)));
  static_cast<void>(lt::create_openai_batch(service.openai_batches(), {{"a", "John Smith"}}));
  EXPECT_EQ(json::parse(service.stats_json())["batch_duplicate_rows"], 0);
  static_cast<void>(lt::ok(service.anthropic_batches().create(lt::anthropic_batch({{"a", "John Smith"}}), kBase)));
  const json stats = json::parse(service.stats_json());
  EXPECT_EQ(stats["batch_duplicate_rows"], 1);
  EXPECT_EQ(stats["batches_by_provider"]["anthropic"], (json{{"created", 2}, {"rows", 2}, {"duplicate_rows", 1}}));
  EXPECT_EQ(stats["batches_created"], 3);
}

TEST(StubBatches, WhichBatchesExpireFollowsTheSeed) {
  const auto statuses = [](std::uint64_t seed) {
    lt::ManualClock clock;
    auto options = lt::batch_options(clock, 0s);
    options.seed = seed;
    options.batches.expire_rate = 0.5;
    stub::StubService service(options);
    std::string s;
    for (int i = 0; i < 16; ++i) {
      s += lt::create_openai_batch(service.openai_batches(), {{"r" + std::to_string(i), "John Smith"}})["status"]
               .get<std::string>()[0];
    }
    return s;
  };
  const std::string first = statuses(7);
  EXPECT_EQ(first, statuses(7));
  EXPECT_NE(first.find('e'), std::string::npos) << first;  // expired
  EXPECT_NE(first.find('c'), std::string::npos) << first;  // completed
}
