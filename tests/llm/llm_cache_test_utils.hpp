// Helpers of the response-cache tests: a provider that labels each name, and a job of leads
// whose names repeat, run through a Client with a cache.
#pragma once

#include <map>
#include <string>

#include "fake_provider.hpp"
#include "llm_test_utils.hpp"

namespace leadscout::test::llm {

/// The name asked in a request (its user message).
inline std::string asked_name(const SeenRequest& r) {
  for (const auto& m : r.body.at("messages")) {
    if (m.at("role") == "user") return m.at("content").get<std::string>();
  }
  return {};
}

/// Answers every name with its own label, so that a wrong entry would show in the results.
inline FakeReply label_by_name(const SeenRequest& r, int) {
  const nlohmann::json answer = {{"label", "label-of-" + asked_name(r)}, {"confidence", 0.5}};
  return {200, openai_answer(answer.dump()), {}};
}

/// `count` leads whose names take `distinct` values, in an order that repeats them.
inline std::vector<Item> leads_with_names(int count, int distinct) {
  std::vector<Item> items;
  for (int i = 0; i < count; ++i) items.push_back(Item{"lead-" + std::to_string(i), (i * 7) % distinct});
  return items;
}

/// Classifies the lead's name (the item's value as "NAME n").
inline auto classify_names(lm::Client& client) {
  return [&client](const Item& item, lb::Context& ctx) -> lb::Outcome<Label> {
    lm::Reply reply = client.complete(ctx, lm::Request{.system = "Classify the name. Answer in JSON.",
                                                       .user = "NAME " + std::to_string(item.value),
                                                       .schema = kLabelSchema,
                                                       .max_tokens = 64});
    if (!reply.ok()) return reply.failure();
    return Label{reply.json().at("label").get<std::string>(), reply.json().at("confidence").get<double>()};
  };
}

/// A client of one endpoint at `url` with `cache`.
inline lm::Client cached_client(const std::string& url, lm::Cache cache) {
  return lm::Client({.endpoints = {{.api = lm::Api::openai, .base_url = url, .model = "gpt-4o-mini"}},
                     .cache = std::move(cache)});
}

/// What a job of `items` gave, by lead.
struct JobResult {
  std::uint64_t succeeded = 0;
  double spent_usd = 0;
  std::map<std::string, std::int64_t, std::less<>> metrics;
  std::map<std::string, std::string> labels;
};

/// Runs `items` through `client` with a fresh journal in `dir` and `concurrency` workers.
inline JobResult run_job(lm::Client& client, const std::filesystem::path& dir, const std::vector<Item>& items,
                         int concurrency = 8) {
  auto opt = leadscout::test::batch::test_options(dir);
  opt.quotas = client.quotas();
  opt.quotas.front().max_in_flight = concurrency;  // no adaptive ramp: the test is about calls, not limits
  opt.concurrency = concurrency;
  lb::BackgroundProcessor<Item, Label> proc(opt);
  const auto summary = proc.run(items, classify_names(client));
  JobResult out{.succeeded = summary.succeeded, .spent_usd = summary.quotas.at("openai").spent_usd,
                .metrics = summary.metrics, .labels = {}};
  for (const auto& [id, label] : summary.results) out.labels[id] = label.label;
  return out;
}

}  // namespace leadscout::test::llm
