// The stub's OpenAI Files and Batch APIs without HTTP, on a clock the tests move: a batch's
// phases, its output and error files, expiry, failed rows, cancel, listing, limits and stats.
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

const lt::Rows kRows = {{"lead-1", "Thabo Dlamini"}, {"lead-2", "John Smith"}, {"lead-3", "Sipho Nkosi"},
                        {"lead-4", "Jane Doe"}};

json retrieve(stub::OpenAiBatches& b, const json& batch) { return lt::ok(b.retrieve(batch["id"].get<std::string>())); }

}  // namespace

TEST(StubOpenAiBatch, ValidatesRunsFinalizesAndCompletesWithTheOnlineAnswers) {
  lt::ManualClock clock;
  stub::StubService service(lt::batch_options(clock, 100s));
  auto& b = service.openai_batches();
  const auto created_at = clock.now;
  json batch = lt::create_openai_batch(b, kRows, {{"run", "r1"}, {"chunk", "0"}});
  EXPECT_EQ(batch["object"], "batch");
  EXPECT_EQ(batch["status"], "validating");
  EXPECT_EQ(batch["endpoint"], "/v1/chat/completions");
  EXPECT_EQ(batch["completion_window"], "24h");
  EXPECT_EQ(batch["metadata"]["run"], "r1");
  EXPECT_EQ(batch["created_at"], stub::unix_seconds(created_at));
  EXPECT_EQ(batch["expires_at"], stub::unix_seconds(created_at) + 24 * 3600);
  EXPECT_TRUE(batch["in_progress_at"].is_null());
  EXPECT_TRUE(batch["output_file_id"].is_null());
  EXPECT_EQ(batch["request_counts"], (json{{"total", 4}, {"completed", 0}, {"failed", 0}}));

  clock.now += 10s;
  batch = retrieve(b, batch);
  EXPECT_EQ(batch["status"], "in_progress");
  EXPECT_EQ(batch["in_progress_at"], stub::unix_seconds(clock.now));
  EXPECT_EQ(json::parse(service.stats_json())["answered"], 0);  // rows are answered when they finish

  clock.now += 80s;
  batch = retrieve(b, batch);
  EXPECT_EQ(batch["status"], "finalizing");
  EXPECT_EQ(batch["request_counts"], (json{{"total", 4}, {"completed", 4}, {"failed", 0}}));
  EXPECT_TRUE(batch["output_file_id"].is_null());

  clock.now += 10s;
  batch = retrieve(b, batch);
  EXPECT_EQ(batch["status"], "completed");
  EXPECT_EQ(batch["completed_at"], stub::unix_seconds(clock.now));
  EXPECT_TRUE(batch["error_file_id"].is_null());
  const auto lines = lt::openai_file_lines(b, batch["output_file_id"]);
  ASSERT_EQ(lines.size(), kRows.size());

  // Each row is the answer an online call of a fresh stub with the same seed gives.
  stub::StubService online(stub::StubOptions{});
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json& line = lines[i];
    EXPECT_EQ(line["custom_id"], kRows[i].first);
    EXPECT_TRUE(line["error"].is_null());
    EXPECT_EQ(line["response"]["status_code"], 200);
    EXPECT_EQ(line["id"].get<std::string>().rfind("batch_req_", 0), 0u);
    const json& body = line["response"]["body"];
    EXPECT_EQ(body["object"], "chat.completion");
    const auto direct = online.handle({stub::Api::openai, "", "Bearer k", lt::openai_request(kRows[i].second), {}});
    EXPECT_EQ(lt::answer_of(body.dump()), lt::answer_of(direct.body)) << kRows[i].second;
    EXPECT_EQ(body["usage"], json::parse(direct.body)["usage"]);
  }
  const json file = lt::ok(b.file(batch["output_file_id"].get<std::string>()));
  EXPECT_EQ(file["purpose"], "batch_output");
  const json stats = json::parse(service.stats_json());
  EXPECT_EQ(stats["answered"], 4);
  EXPECT_EQ(stats["batches_created"], 1);
  EXPECT_EQ(stats["batch_rows"], 4);
  EXPECT_EQ(stats["batch_duplicate_rows"], 0);
}

TEST(StubOpenAiBatch, ZeroSecondsCompletesAtOnceAndStructuredRowsAnswerAsJson) {
  lt::ManualClock clock;
  stub::StubService service(lt::batch_options(clock, 0s));
  auto& b = service.openai_batches();
  const std::string line = json{{"custom_id", "s1"}, {"method", "POST"}, {"url", "/v1/chat/completions"},
                                {"body", json::parse(lt::openai_schema_request("Thabo Dlamini"))}}
                               .dump();
  const json file = lt::ok(b.upload_file("batch", "in.jsonl", line + "\n"));
  const json batch = lt::ok(b.create(
      json{{"input_file_id", file["id"]}, {"endpoint", "/v1/chat/completions"}, {"completion_window", "24h"}}.dump()));
  EXPECT_EQ(batch["status"], "completed");
  const auto lines = lt::openai_file_lines(b, batch["output_file_id"]);
  ASSERT_EQ(lines.size(), 1u);
  const std::string content = lines[0]["response"]["body"]["choices"][0]["message"]["content"];
  EXPECT_EQ(json::parse(content)["label"], "african");  // plain JSON, never fenced
}

TEST(StubOpenAiBatch, AnExpiredBatchKeepsHalfItsRowsAndExpiresTheRest) {
  lt::ManualClock clock;
  auto options = lt::batch_options(clock, 60s);
  options.batches.expire_rate = 1.0;
  stub::StubService service(options);
  auto& b = service.openai_batches();
  json batch = lt::create_openai_batch(b, kRows);
  clock.now += 55s;
  EXPECT_EQ(retrieve(b, batch)["status"], "in_progress");  // an expiring batch never finalizes
  clock.now += 5s;
  batch = retrieve(b, batch);
  EXPECT_EQ(batch["status"], "expired");
  EXPECT_EQ(batch["expired_at"], stub::unix_seconds(clock.now));
  EXPECT_EQ(batch["request_counts"], (json{{"total", 4}, {"completed", 2}, {"failed", 2}}));
  const auto output = lt::openai_file_lines(b, batch["output_file_id"]);
  const auto errors = lt::openai_file_lines(b, batch["error_file_id"]);
  ASSERT_EQ(output.size(), 2u);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(output[0]["custom_id"], "lead-1");
  EXPECT_EQ(output[1]["custom_id"], "lead-2");
  for (const json& e : errors) {
    EXPECT_TRUE(e["response"].is_null());
    EXPECT_EQ(e["error"]["code"], "batch_expired");
  }
  EXPECT_EQ(errors[0]["custom_id"], "lead-3");
}

TEST(StubOpenAiBatch, FailureRateAndInvalidBodiesGoToTheErrorFile) {
  lt::ManualClock clock;
  auto options = lt::batch_options(clock, 0s);
  options.failure_rate = 1.0;
  stub::StubService service(options);
  auto& b = service.openai_batches();
  const json batch = lt::create_openai_batch(b, {{"a", "Thabo Dlamini"}, {"b", "John Smith"}});
  EXPECT_EQ(batch["status"], "completed");
  EXPECT_EQ(batch["request_counts"], (json{{"total", 2}, {"completed", 0}, {"failed", 2}}));
  EXPECT_TRUE(batch["output_file_id"].is_null());
  for (const json& e : lt::openai_file_lines(b, batch["error_file_id"])) {
    const int status = e["response"]["status_code"];
    EXPECT_TRUE(status == 500 || status == 503) << e;
    EXPECT_EQ(e["response"]["body"]["error"]["type"], "server_error");
    EXPECT_TRUE(e["error"].is_null());
  }
  EXPECT_EQ(json::parse(service.stats_json())["errors"], 2);

  // A row whose body is no chat request fails with the online 400.
  stub::StubService clean(lt::batch_options(clock, 0s));
  const std::string line = R"({"custom_id":"x","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}})";
  const json file = lt::ok(clean.openai_batches().upload_file("batch", "in.jsonl", line));
  const json bad = lt::ok(clean.openai_batches().create(
      json{{"input_file_id", file["id"]}, {"endpoint", "/v1/chat/completions"}, {"completion_window", "24h"}}.dump()));
  const auto errors = lt::openai_file_lines(clean.openai_batches(), bad["error_file_id"]);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["response"]["status_code"], 400);
  EXPECT_EQ(errors[0]["response"]["body"]["error"]["type"], "invalid_request_error");
}

TEST(StubOpenAiBatch, CancelFinishesTheRowsDoneAndCancelsTheRest) {
  lt::ManualClock clock;
  stub::StubService service(lt::batch_options(clock, 100s));
  auto& b = service.openai_batches();
  json batch = lt::create_openai_batch(b, kRows);
  const std::string id = batch["id"];
  clock.now += 50s;  // half of the in-progress time (10 s to 90 s)
  batch = lt::ok(b.cancel(id));
  EXPECT_EQ(batch["status"], "cancelling");
  EXPECT_EQ(batch["cancelling_at"], stub::unix_seconds(clock.now));
  clock.now += 10s;
  batch = retrieve(b, batch);
  EXPECT_EQ(batch["status"], "cancelled");
  EXPECT_EQ(batch["cancelled_at"], stub::unix_seconds(clock.now));
  EXPECT_EQ(batch["request_counts"], (json{{"total", 4}, {"completed", 2}, {"failed", 2}}));
  const auto errors = lt::openai_file_lines(b, batch["error_file_id"]);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["error"]["code"], "batch_cancelled");
  EXPECT_EQ(lt::openai_file_lines(b, batch["output_file_id"]).size(), 2u);
  // An ended batch cannot be cancelled; an unknown one is a 404.
  const stub::Reply again = b.cancel(id);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(json::parse(again.body)["error"]["type"], "invalid_request_error");
  EXPECT_EQ(b.cancel("batch_nope").status, 404);
  EXPECT_EQ(b.retrieve("batch_nope").status, 404);
}

TEST(StubOpenAiBatch, ListIsNewestFirstWithMetadataAndPages) {
  lt::ManualClock clock;
  stub::StubService service(lt::batch_options(clock, 0s));
  auto& b = service.openai_batches();
  std::vector<std::string> ids;
  for (int chunk = 0; chunk < 3; ++chunk) {
    const lt::Rows rows = {{"c" + std::to_string(chunk), "John Smith"}};
    ids.push_back(lt::create_openai_batch(b, rows, {{"run", "r9"}, {"chunk", std::to_string(chunk)}})["id"]);
  }
  json page = lt::ok(b.list("2", ""));
  EXPECT_EQ(page["object"], "list");
  ASSERT_EQ(page["data"].size(), 2u);
  EXPECT_EQ(page["data"][0]["id"], ids[2]);
  EXPECT_EQ(page["data"][0]["metadata"]["chunk"], "2");
  EXPECT_EQ(page["first_id"], ids[2]);
  EXPECT_EQ(page["last_id"], ids[1]);
  EXPECT_TRUE(page["has_more"].get<bool>());
  page = lt::ok(b.list(std::nullopt, page["last_id"].get<std::string>()));
  ASSERT_EQ(page["data"].size(), 1u);
  EXPECT_EQ(page["data"][0]["metadata"], (json{{"run", "r9"}, {"chunk", "0"}}));
  EXPECT_FALSE(page["has_more"].get<bool>());
  EXPECT_EQ(b.list("0", "").status, 400);
  EXPECT_EQ(b.list("101", "").status, 400);
}

TEST(StubOpenAiBatch, DuplicateCustomIdsAcrossBatchesAreCounted) {
  lt::ManualClock clock;
  stub::StubService service(lt::batch_options(clock, 0s));
  auto& b = service.openai_batches();
  static_cast<void>(lt::create_openai_batch(b, {{"a", "John Smith"}, {"b", "Jane Doe"}}));
  static_cast<void>(lt::create_openai_batch(b, {{"b", "Jane Doe"}, {"c", "Li Wei"}}));
  static_cast<void>(lt::create_openai_batch(b, {{"a", "John Smith"}, {"b", "Jane Doe"}}));
  const json stats = json::parse(service.stats_json());
  EXPECT_EQ(stats["batches_created"], 3);
  EXPECT_EQ(stats["batch_rows"], 6);
  EXPECT_EQ(stats["batch_duplicate_rows"], 3);
  EXPECT_EQ(stats["batches_by_provider"]["openai"], (json{{"created", 3}, {"rows", 6}, {"duplicate_rows", 3}}));
  EXPECT_EQ(stats["batches_by_provider"]["anthropic"]["created"], 0);
}

TEST(StubOpenAiBatch, FilesAndBatchesOverTheLimitsAreRefused) {
  lt::ManualClock clock;
  auto options = lt::batch_options(clock, 0s);
  options.batches.openai_max_file_bytes = 1000;
  options.batches.openai_max_requests = 2;
  stub::StubService service(options);
  auto& b = service.openai_batches();
  const stub::Reply big = b.upload_file("batch", "big.jsonl", std::string(1001, 'x'));
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(json::parse(big.body)["error"]["type"], "invalid_request_error");
  EXPECT_EQ(b.upload_file("fine-tune", "x.jsonl", "{}").status, 400);

  // Three requests where two are allowed: the batch fails at validation, saying why.
  const json failed = lt::create_openai_batch(b, {{"a", "A B"}, {"b", "C D"}, {"c", "E F"}});
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["failed_at"], stub::unix_seconds(clock.now));
  EXPECT_EQ(failed["errors"]["data"][0]["code"], "too_many_requests");
  // So does a file with a line that is not a request, or a custom_id used twice.
  const json file = lt::ok(b.upload_file("batch", "in.jsonl", "not json\n" + lt::openai_input({{"a", "A B"}, {"a", "C D"}})));
  const json invalid = lt::ok(b.create(
      json{{"input_file_id", file["id"]}, {"endpoint", "/v1/chat/completions"}, {"completion_window", "24h"}}.dump()));
  EXPECT_EQ(invalid["status"], "failed");
  EXPECT_EQ(invalid["errors"]["data"][0]["code"], "invalid_json_line");
  EXPECT_EQ(invalid["errors"]["data"][0]["line"], 1);
  EXPECT_EQ(invalid["errors"]["data"][1]["code"], "duplicate_custom_id");
  // A create naming no file, another endpoint or window is refused.
  EXPECT_EQ(b.create(R"({"input_file_id":"file-x","endpoint":"/v1/chat/completions","completion_window":"24h"})").status, 404);
  EXPECT_EQ(b.create(json{{"input_file_id", file["id"]}, {"endpoint", "/v1/embeddings"}, {"completion_window", "24h"}}.dump()).status, 400);
  EXPECT_EQ(b.create(json{{"input_file_id", file["id"]}, {"endpoint", "/v1/chat/completions"}, {"completion_window", "1h"}}.dump()).status, 400);
  EXPECT_EQ(json::parse(service.stats_json())["batch_rows"], 0);
}
