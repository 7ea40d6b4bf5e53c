// demo_500_leads: classifies South-African business leads as a resumable background batch.
//
//   ./demo_500_leads &                      # 500 generated leads, about a minute
//   ./demo_500_leads --input leads.csv --concurrency 32 --deadline 2h
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
#include "simulated_llm.hpp"

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

int run(const demo::DemoOptions& o, const ll::Config& log_config) {
  const ll::Logger operations = ll::get("operations").bind({{"operation", o.operation}});

  std::vector<demo::Lead> leads;
  try {
    leads = o.input.empty() ? demo::generate_leads(o.leads, o.seed) : demo::read_leads_csv(o.input);
  } catch (const demo::CsvError& e) {
    operations.error("Input file invalid", {{"input", o.input.string()}, {"line", e.line()}, {"error", e.what()}});
    return kExitUsage;
  }

  demo::LlmSettings llm_settings;
  llm_settings.latency_mean = std::chrono::milliseconds(o.llm_latency_ms);
  llm_settings.failure_rate = o.llm_failure_rate;
  llm_settings.hang_rate = o.llm_hang_rate;
  llm_settings.seed = o.seed;
  const demo::SimulatedLlm openai(demo::openai_provider(), llm_settings);
  const demo::SimulatedLlm anthropic(demo::anthropic_provider(), llm_settings);
  const demo::Classifier classifier({&openai, &anthropic});
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
  operations.info("LLM fallback enabled",
                  {{"providers", std::vector<std::string_view>{"openai", "anthropic"}},
                   {"models", std::vector<std::string_view>{openai.provider().model, anthropic.provider().model}},
                   {"simulated", true},
                   {"latency_ms", o.llm_latency_ms},
                   {"failure_rate", o.llm_failure_rate},
                   {"hang_rate", o.llm_hang_rate}});

  lb::Options opt;
  opt.operation = o.operation;
  opt.concurrency = o.concurrency;
  opt.item_timeout = o.item_timeout;
  opt.deadline = o.deadline;
  opt.fresh = o.fresh;
  opt.progress_dir = log_config.dir / "progress";
  opt.seed = o.seed;

  const ll::Logger classification_log = ll::get("classification");
  const ll::Logger api_log = ll::get("api");
  const auto classify = [&](const demo::Lead& lead, lb::Context& ctx) -> lb::Outcome<demo::Classification> {
    ctx.set_current(lead.name);
    const ll::Fields item = {{"operation", o.operation}, {"item_id", lead.id}, {"attempt", ctx.attempt()}};
    const ll::Logger clog = classification_log.enabled(ll::Level::debug) ? classification_log.bind(item) : classification_log;
    const demo::ClassifyOutcome out =
        classifier.classify(lead.name, ctx.attempt(), ctx.stop_token(), clog, api_log.bind(item));
    ctx.metric("llm_calls", out.llm_calls);
    ctx.metric("llm_tokens", out.llm_tokens);
    ctx.metric("llm_cost_micro_usd", static_cast<std::int64_t>(std::llround(out.llm_cost_usd * 1e6)));
    if (!out.result) {
      if (out.failure == "llm_unavailable") {
        ctx.log().warning("LLM providers unavailable", {{"name", lead.name}, {"providers", 2}});
      }
      return lb::Failure{out.failure, lb::Retry::yes};
    }
    const demo::Classification& c = *out.result;
    ctx.metric("classified_by_" + c.method, 1);
    if (c.label == demo::kAfrican) ctx.metric("african_businesses", 1);
    return c;
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
