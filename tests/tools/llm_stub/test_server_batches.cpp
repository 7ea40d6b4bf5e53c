// The batch APIs of the real stub binary over loopback HTTP: multipart upload, the routes of
// both APIs, keys, results_url, and the --batch-seconds and --batch-expire-rate flags.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "running_stub.hpp"
#include "stub_test_utils.hpp"

namespace lt = leadscout::test;
using nlohmann::json;

namespace {

const httplib::Headers kOpenAiKey = {{"Authorization", "Bearer sk-batch"}};
const httplib::Headers kAnthropicKey = {{"x-api-key", "sk-batch"}, {"anthropic-version", "2023-06-01"}};

std::string input_line(const std::string& id, const std::string& name) {
  return json{{"custom_id", id}, {"method", "POST"}, {"url", "/v1/chat/completions"},
              {"body", json::parse(lt::openai_request(name))}}
             .dump() +
         "\n";
}

json body_of(const httplib::Result& res, int status = 200) {
  EXPECT_TRUE(res) << httplib::to_string(res.error());
  if (!res) return json();
  EXPECT_EQ(res->status, status) << res->body;
  return json::parse(res->body, nullptr, false);
}

/// Uploads a two-row input file and creates a batch of it; the batch object.
json create_openai_batch(httplib::Client& c) {
  const httplib::MultipartFormDataItems items = {
      {"purpose", "batch", "", ""},
      {"file", input_line("r1", "Thabo Dlamini") + input_line("r2", "John Smith"), "input.jsonl", "application/jsonl"}};
  const json file = body_of(c.Post("/v1/files", kOpenAiKey, items));
  EXPECT_EQ(file["object"], "file");
  EXPECT_EQ(file["filename"], "input.jsonl");
  EXPECT_EQ(file["purpose"], "batch");
  const json create = {{"input_file_id", file["id"]}, {"endpoint", "/v1/chat/completions"},
                       {"completion_window", "24h"}, {"metadata", {{"run", "http"}}}};
  return body_of(c.Post("/v1/batches", kOpenAiKey, create.dump(), "application/json"));
}

std::string anthropic_body() {
  return json{{"requests", {{{"custom_id", "m1"}, {"params", json::parse(lt::anthropic_request("John Smith"))}}}}}.dump();
}

}  // namespace

TEST(StubServerBatches, OpenAiFilesAndBatchesOverHttp) {
  lt::RunningStub stub({"--batch-seconds", "0"});
  auto c = stub.client();
  const json batch = create_openai_batch(c);
  EXPECT_EQ(batch["status"], "completed");
  const std::string id = batch["id"];
  EXPECT_EQ(body_of(c.Get(("/v1/batches/" + id).c_str(), kOpenAiKey))["id"], id);
  const auto content = c.Get(("/v1/files/" + batch["output_file_id"].get<std::string>() + "/content").c_str(), kOpenAiKey);
  ASSERT_TRUE(content);
  EXPECT_EQ(content->status, 200);
  const auto first = json::parse(content->body.substr(0, content->body.find('\n')));
  EXPECT_EQ(first["custom_id"], "r1");
  EXPECT_EQ(lt::answer_of(first["response"]["body"].dump())["label"], "african");
  EXPECT_EQ(body_of(c.Get(("/v1/files/" + batch["output_file_id"].get<std::string>()).c_str(), kOpenAiKey))["purpose"],
            "batch_output");
  const json list = body_of(c.Get("/v1/batches?limit=5", kOpenAiKey));
  EXPECT_EQ(list["data"][0]["metadata"]["run"], "http");
  EXPECT_EQ(body_of(c.Post(("/v1/batches/" + id + "/cancel").c_str(), kOpenAiKey, "", "application/json"), 400)
                ["error"]["type"],
            "invalid_request_error");
  EXPECT_EQ(body_of(c.Get("/v1/batches/batch_nope", kOpenAiKey), 404)["error"]["type"], "invalid_request_error");
  // Keys are checked as on the chat endpoints.
  EXPECT_EQ(body_of(c.Get("/v1/batches"), 401)["error"]["code"], "invalid_api_key");
  EXPECT_EQ(body_of(c.Get(("/v1/files/" + batch["input_file_id"].get<std::string>()).c_str()), 401)["error"]["code"],
            "invalid_api_key");
  const json stats = stub.stats();
  EXPECT_EQ(stats["batches_created"], 1);
  EXPECT_EQ(stats["batch_rows"], 2);
  EXPECT_EQ(stats["batch_duplicate_rows"], 0);
  EXPECT_EQ(stats["answered"], 2);
  EXPECT_EQ(stub.terminate(), 0);
}

TEST(StubServerBatches, AnthropicMessageBatchesOverHttpWithAnAbsoluteResultsUrl) {
  lt::RunningStub stub({"--batch-seconds", "0"});
  auto c = stub.client();
  const json batch = body_of(c.Post("/v1/messages/batches", kAnthropicKey, anthropic_body(), "application/json"));
  EXPECT_EQ(batch["processing_status"], "ended");
  const std::string id = batch["id"];
  const std::string path = "/v1/messages/batches/" + id + "/results";
  EXPECT_EQ(batch["results_url"], stub.url() + path);
  const auto results = c.Get(path.c_str(), kAnthropicKey);
  ASSERT_TRUE(results);
  EXPECT_EQ(results->status, 200);
  const json line = json::parse(results->body.substr(0, results->body.find('\n')));
  EXPECT_EQ(line["custom_id"], "m1");
  EXPECT_EQ(line["result"]["type"], "succeeded");
  EXPECT_EQ(body_of(c.Get(("/v1/messages/batches/" + id).c_str(), kAnthropicKey))["id"], id);
  EXPECT_EQ(body_of(c.Get("/v1/messages/batches?limit=1", kAnthropicKey))["data"][0]["id"], id);
  EXPECT_EQ(body_of(c.Post(("/v1/messages/batches/" + id + "/cancel").c_str(), kAnthropicKey, "", "application/json"))
                ["processing_status"],
            "ended");
  EXPECT_EQ(body_of(c.Get("/v1/messages/batches/msgbatch_nope", kAnthropicKey), 404)["error"]["type"],
            "not_found_error");
  EXPECT_EQ(body_of(c.Get(path.c_str()), 401)["error"]["type"], "authentication_error");
  EXPECT_EQ(stub.terminate(), 0);
}

TEST(StubServerBatches, BatchSecondsKeepsABatchRunningAndExpireRateExpiresIt) {
  lt::RunningStub slow({"--batch-seconds", "3600"});
  auto c = slow.client();
  const json running = create_openai_batch(c);
  EXPECT_EQ(running["status"], "validating");
  const json cancelling =
      body_of(c.Post(("/v1/batches/" + running["id"].get<std::string>() + "/cancel").c_str(), kOpenAiKey, "",
                     "application/json"));
  EXPECT_EQ(cancelling["status"], "cancelling");
  const json anthropic = body_of(c.Post("/v1/messages/batches", kAnthropicKey, anthropic_body(), "application/json"));
  EXPECT_EQ(anthropic["processing_status"], "in_progress");
  EXPECT_EQ(slow.terminate(), 0);

  lt::RunningStub expiring({"--batch-seconds", "0", "--batch-expire-rate", "1"});
  auto e = expiring.client();
  const json expired = create_openai_batch(e);
  EXPECT_EQ(expired["status"], "expired");
  EXPECT_EQ(expired["request_counts"], (json{{"total", 2}, {"completed", 1}, {"failed", 1}}));
  const json ended = body_of(e.Post("/v1/messages/batches", kAnthropicKey, anthropic_body(), "application/json"));
  EXPECT_EQ(ended["request_counts"]["expired"], 1);
  EXPECT_EQ(expiring.terminate(), 0);
}
