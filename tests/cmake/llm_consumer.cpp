// A program outside the leadscout tree that uses leadscout::llm as the README shows it: a
// Client, its quotas in a batch run, a schema checked, errors caught as leadscout::Error, and a
// response cache.
// The endpoint is a closed loopback port, so the run ends with failed items (exit code 5) and
// nothing leaves the machine. Also built with -DJSON_DIAGNOSTICS=1, another nlohmann ABI than
// the library's: JSON crosses the library's interface as text.
#include <leadscout/batch.hpp>
#include <leadscout/error.hpp>
#include <leadscout/llm.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace lb = leadscout::batch;
namespace llm = leadscout::llm;

namespace {

struct Lead {
  std::string id;
  std::string name;
};
struct Label {
  std::string label;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Label, label)

// llm::run as the documentation writes it (compiled, not called: it would ask OpenAI).
[[maybe_unused]] int documented_batch_program(const std::vector<Lead>& leads) {
  const std::string kPrompt = "Classify the name.";
  const std::string kLabelSchema = R"({"type":"object","properties":{"label":{"type":"string"}},"required":["label"]})";
  llm::Client client({.endpoints = {{.api = llm::Api::openai, .model = "gpt-4o-mini"}}});
  lb::Options opt;
  opt.quotas = client.quotas();
  lb::BackgroundProcessor<Lead, Label> proc(opt);
  llm::Pipeline<Lead, Label> pipeline{
      .request = [&](const Lead& lead) {
        return llm::Request{.system = kPrompt, .user = lead.name, .schema = kLabelSchema, .max_tokens = 64};
      },
      .result = [](const Lead&, const llm::Reply& reply) -> lb::Outcome<Label> {
        return Label{reply.json().at("label").get<std::string>()};
      },
  };
  lb::Summary summary = llm::run(proc, client, leads, pipeline, {.mode = llm::Mode::batch});
  return lb::exit_code(summary);
}

int fail(const char* what) {
  std::fprintf(stderr, "llm_consumer: %s\n", what);
  return 1;
}

}  // namespace

/// The response cache as docs/providers.md shows it (compiled, not called: it needs a run's
/// Context).
[[maybe_unused]] bool answered_from_cache(lb::Context& ctx, const llm::Request& request) {
  llm::Client client({
      .endpoints = {{.api = llm::Api::openai, .model = "gpt-4o-mini"}},
      .cache = llm::Cache::sqlite("cache/llm.sqlite"),   // or llm::Cache::redis("redis://127.0.0.1:6379/0"), or {} for none
  });
  llm::Reply reply = client.complete(ctx, request);
  if (reply.ok() && reply.cached()) { /* answered from the cache: no call, no permit, $0 */ }
  return reply.cached();
}

int main() {
  const llm::Schema schema(R"({"type":"object","properties":{"label":{"type":"string"}},"required":["label"]})");
  if (!schema.check(nlohmann::json{{"label", "african"}}).empty()) return fail("a valid answer was refused");
  if (schema.check(nlohmann::json::object()).empty()) return fail("an answer without its label passed");
  if (llm::extract_json("Sure: ```json\n{\"label\": \"x\"}\n```").value("label", "") != "x") {
    return fail("the JSON in a fenced answer was not found");
  }
  try {
    (void)llm::Schema(R"({"type":"string","pattern":"^a"})");
    return fail("an unsupported keyword was accepted");
  } catch (const leadscout::Error&) {
  }

  const llm::Cache redis = llm::Cache::redis("redis://127.0.0.1:6379/0", {.ttl = std::chrono::hours(24)});
  if (redis.kind() != llm::Cache::Kind::redis || redis.options().ttl != std::chrono::hours(24)) {
    return fail("a Redis cache lost its URL or options");
  }
  const std::string cache_file = (std::filesystem::temp_directory_path() / "leadscout_llm_consumer.sqlite").string();
  llm::Client client({.endpoints = {{.api = llm::Api::openai, .base_url = "http://127.0.0.1:9/v1", .model = "gpt-4o-mini"}},
                      .failover_after = 1,
                      .cache = llm::Cache::sqlite(cache_file, {.max_bytes = 1 << 20})});
  lb::Options opt;
  opt.quotas = client.quotas();
  opt.handle_signals = false;
  opt.progress_bar = lb::ProgressBarMode::off;
  opt.item_timeout = std::chrono::seconds(2);
  opt.retry.max_attempts = 1;
  lb::BackgroundProcessor<Lead, Label> proc(opt);
  const std::vector<Lead> leads = {{"1", "DIEMBY LUBAMBO"}, {"2", "JOHN SMITH"}};
  const lb::Summary summary = proc.run(leads, [&](const Lead& lead, lb::Context& ctx) -> lb::Outcome<Label> {
    const llm::Reply reply = client.complete(ctx, llm::Request{.system = "Classify.", .user = lead.name, .max_tokens = 16});
    if (!reply.ok()) return reply.failure();
    return Label{reply.text()};
  });
  if (summary.failed != 2) return fail("both items should have failed on a closed port");
  if (lb::exit_code(summary) != 5) return fail("a run with failed items should exit 5");
  std::filesystem::remove(cache_file);
  return 0;
}
