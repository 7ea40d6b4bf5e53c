// demo_500_leads: classifies South-African business leads as a resumable background batch.
//
//   ./demo_500_leads &                      # 500 generated leads, about a minute
//   ./demo_500_leads --input leads.csv --concurrency 32 --deadline 2h
//   OPENAI_API_KEY=... ./demo_500_leads --llm-url https://api.openai.com/v1 --budget-usd 1
//
// Logs go to the log tree (debug/, production/, progress/), results to results/<operation>.csv;
// nothing is written to a terminal the process does not own.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>

#include "classifier.hpp"
#include "cli.hpp"
#include "leads.hpp"
#include "leadscout/batch.hpp"
#include "leadscout/log.hpp"
#include "leadscout/monitor.hpp"
#include "name_data.hpp"
#include "results_file.hpp"
#include "llm_call.hpp"
#include "llm_setup.hpp"

namespace lb = leadscout::batch;
namespace ll = leadscout::log;

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

/// One row per lead in input order: its classification, or "unclassified" with method
/// "failed" when every attempt failed. Leads without an outcome yet (an interrupted run) have none.
std::vector<demo::ResultRow> result_rows(const std::vector<demo::Lead>& leads, const lb::Summary<demo::Classification>& s) {
  std::unordered_map<std::string_view, const demo::Classification*> ok;
  for (const auto& [id, c] : s.results) ok.emplace(id, &c);
  std::unordered_map<std::string_view, bool> failed;
  for (const lb::ItemFailure& f : s.failures) failed.emplace(f.id, true);
  std::vector<demo::ResultRow> rows;
  rows.reserve(s.results.size() + s.failures.size());
  for (const demo::Lead& lead : leads) {
    if (const auto it = ok.find(lead.id); it != ok.end()) {
      rows.push_back({lead.id, *it->second});
    } else if (failed.contains(lead.id)) {
      rows.push_back({lead.id, demo::Classification{lead.name, "unclassified", 0.0, "failed", ""}});
    }
  }
  return rows;
}

/// Counts a classification in the run's metrics.
demo::Classification count(lb::Context& ctx, demo::Classification c) {
  ctx.metric("classified_by_" + c.method, 1);
  if (c.label == demo::kAfrican) ctx.metric("african_businesses", 1);
  return c;
}

void log_providers(const ll::Logger& operations, const demo::DemoOptions& o, const demo::LlmSetup& llm) {
  std::vector<std::string_view> providers;
  std::vector<std::string_view> models;
  for (const demo::LlmEndpoint& e : llm.endpoints) {
    providers.push_back(e.provider);
    models.push_back(e.model);
  }
  if (llm.simulated) {
    operations.info("LLM fallback enabled",
                    {{"providers", providers}, {"models", models}, {"simulated", true}, {"endpoint", llm.where},
                     {"rpm", o.rpm}, {"tpm", o.tpm}, {"budget_usd", o.budget_usd}, {"adaptive", o.adaptive},
                     {"latency_ms", o.llm_latency_ms}, {"failure_rate", o.llm_failure_rate},
                     {"hang_rate", o.llm_hang_rate}, {"provider_rpm", o.llm_rpm}, {"provider_tpm", o.llm_tpm}});
  } else {
    operations.info("LLM fallback enabled",
                    {{"providers", providers}, {"models", models}, {"simulated", false}, {"endpoint", llm.where},
                     {"rpm", o.rpm}, {"tpm", o.tpm}, {"budget_usd", o.budget_usd}, {"adaptive", o.adaptive}});
  }
  if (llm.key_missing) {
    operations.warning("No API key", {{"variable", o.llm_api == "anthropic" ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY"},
                                      {"hint", "requests go without a key, as a local server accepts them"}});
  }
  if (llm.price_unknown) {
    operations.warning("Model price unknown", {{"model", models.front()}, {"hint", "set --price-in and --price-out"}});
  }
}

int run(const demo::DemoOptions& o, const ll::Config& log_config) {
  const ll::Logger operations = ll::get("operations").bind({{"operation", o.operation}});

  std::vector<demo::Lead> leads;
  try {
    leads = o.input.empty() ? demo::generate_leads(o.leads, o.seed) : demo::read_leads_csv(o.input);
  } catch (const demo::CsvError& e) {
    operations.error("Input file invalid", {{"input", o.input.string()}, {"line", e.line()}, {"error", e.what()}});
    return kExitUsage;
  }

  demo::LlmSetup llm;
  try {
    llm = demo::make_llm_setup(o);
  } catch (const demo::SetupError& e) {
    operations.error("Provider setup invalid", {{"error", e.what()}});
    return kExitUsage;
  }
  const demo::Classifier classifier;
  const std::filesystem::path output = o.output_path();

  operations.info("Starting logistics lead processing",
                  {{"batch_size", leads.size()},
                   {"input", o.input.empty() ? std::string("generated") : o.input.string()},
                   {"seed", o.seed},
                   {"concurrency", o.concurrency},
                   {"item_timeout_ms", o.item_timeout.count()},
                   {"deadline_ms", o.deadline.count()},
                   {"log_dir", log_config.dir.string()},
                   {"output", output.string()},
                   {"fresh", o.fresh}});
  log_providers(operations, o, llm);

  lb::Options opt;
  opt.operation = o.operation;
  opt.concurrency = o.concurrency;
  opt.item_timeout = o.item_timeout;
  opt.deadline = o.deadline;
  opt.fresh = o.fresh;
  opt.progress_dir = log_config.dir / "progress";
  opt.seed = o.seed;
  opt.quotas = demo::make_quotas(o, llm);
  opt.retry.max_attempts_by_reason = {{"unparsable_answer", 2}};  // a model may answer better once

  const ll::Logger classification_log = ll::get("classification");
  const ll::Logger api_log = ll::get("api");
  const auto classify = [&](const demo::Lead& lead, lb::Context& ctx) -> lb::Outcome<demo::Classification> {
    ctx.set_current(lead.name);
    const ll::Fields item = {{"operation", o.operation}, {"item_id", lead.id}, {"attempt", ctx.attempt()}};
    const ll::Logger clog = classification_log.enabled(ll::Level::debug) ? classification_log.bind(item) : classification_log;
    if (auto local = classifier.classify(lead.name, clog)) return count(ctx, std::move(*local));
    demo::LlmOutcome out = demo::classify_with_llm(llm.endpoints, lead.name, ctx, clog, api_log.bind(item));
    ctx.metric("llm_calls", out.calls);
    ctx.metric("llm_tokens", out.tokens);
    ctx.metric("llm_cost_micro_usd", static_cast<std::int64_t>(std::llround(out.cost_usd * 1e6)));
    if (!out.result) {
      if (out.failure.reason == "llm_unavailable") {
        ctx.log().warning("LLM providers unavailable", {{"name", lead.name}, {"providers", llm.endpoints.size()}});
      }
      return out.failure;
    }
    return count(ctx, std::move(*out.result));
  };

  // LEADSCOUT_HTTP=127.0.0.1:9464 serves the dashboard, /metrics, /healthz while it runs.
  opt.item_noun = "leads";  // the summary says "leads_per_second=..."
  leadscout::monitor::attach(opt);
  lb::BackgroundProcessor<demo::Lead, demo::Classification> processor(opt);
  lb::Summary<demo::Classification> summary;
  try {
    summary = processor.run(std::span<const demo::Lead>(leads), classify);
  } catch (const lb::Error& e) {
    operations.error("Batch not started", {{"error", e.what()},
                                           {"hint", "a journal of another input needs --fresh"}});
    return kExitFailure;
  } catch (const leadscout::monitor::Error& e) {  // a bad LEADSCOUT_HTTP or a busy port
    operations.error("Batch not started", {{"error", e.what()}});
    return kExitUsage;
  }

  const std::vector<demo::ResultRow> rows = result_rows(leads, summary);
  std::size_t african = 0;
  for (const demo::ResultRow& r : rows) african += r.c.label == demo::kAfrican ? 1 : 0;
  const double african_share = rows.empty() ? 0.0 : static_cast<double>(african) / static_cast<double>(rows.size());
  int exit = lb::exit_code(summary);
  try {
    demo::write_results(output, rows);
    char share[16];
    std::snprintf(share, sizeof share, "%.1f%%", african_share * 100.0);
    operations.info("Results written",
                    {{"path", output.string()},
                     {"rows", rows.size()},
                     {"leads", leads.size()},
                     {"without_outcome", summary.remaining},
                     {"african_share", std::string_view(share)},
                     {"bee_potential", african_share >= 0.5 ? "high" : african_share >= 0.25 ? "medium" : "low"},
                     {"status", lb::to_string(summary.status)},
                     {"exit_code", exit}});
  } catch (const std::exception& e) {
    operations.error("Results not written", {{"path", output.string()}, {"error", e.what()}});
    if (exit == 0) exit = kExitFailure;
  }
  return exit;
}

}  // namespace

int main(int argc, char** argv) {
  demo::DemoOptions options;
  CLI::App app("demo_500_leads", "demo_500_leads");
  demo::add_options(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the error
    return code == 0 ? 0 : kExitUsage;
  }

  ll::Config log_config;
  try {
    log_config = ll::Config::from_env();
  } catch (const ll::ConfigError& e) {
    std::fprintf(stderr, "demo_500_leads: %s\n", e.what());
    return kExitUsage;
  }
  if (!options.log_dir.empty()) log_config.dir = options.log_dir;
  try {
    ll::init(log_config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo_500_leads: cannot start logging: %s\n", e.what());
    return kExitFailure;
  }

  int code = kExitFailure;
  try {
    code = run(options, log_config);
  } catch (const std::exception& e) {
    ll::get("operations").critical("Demo failed", e);
  }
  ll::shutdown();
  return code;
}
