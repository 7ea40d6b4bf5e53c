// demo_500_leads: classifies South-African business leads as a resumable background batch.
//
//   ./demo_500_leads &                      # 500 generated leads, about a minute
//   ./demo_500_leads --input leads.csv --concurrency 32 --deadline 2h
//   OPENAI_API_KEY=... ./demo_500_leads --llm-url https://api.openai.com/v1 --budget-usd 1
//
// Leads are read as the run goes (the input is never held in memory); each classified lead is
// written to results/<operation>.csv (or --output) as it finishes. Logs go to the log tree
// (debug/, production/, progress/); nothing is written to a terminal the process does not own.
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "classifier.hpp"
#include "cli.hpp"
#include "leads.hpp"
#include "leadscout/batch.hpp"
#include "leadscout/log.hpp"
#include "leadscout/monitor.hpp"
#include "leadscout/llm.hpp"
#include "llm_setup.hpp"
#include "log_setup.hpp"
#include "name_data.hpp"
#include "prompt.hpp"

namespace lb = leadscout::batch;
namespace ll = leadscout::log;
namespace llm = leadscout::llm;

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

/// Counts a classification in the run's metrics.
demo::Classification count(lb::Context& ctx, demo::Classification c) {
  ctx.metric("classified_by_" + c.method, 1);
  if (c.label == demo::kAfrican) ctx.metric("african_businesses", 1);
  return c;
}

void log_providers(const ll::Logger& operations, const demo::DemoOptions& o, const demo::LlmSetup& setup) {
  std::vector<std::string_view> providers;
  std::vector<std::string_view> models;
  std::vector<std::string_view> urls;
  for (const llm::Endpoint& e : setup.client.endpoints) {
    providers.push_back(llm::to_string(e.api));
    models.push_back(e.model);
    urls.push_back(e.base_url);
  }
  const bool simulated = setup.simulated != nullptr;
  if (simulated) {
    operations.info("LLM fallback enabled",
                    {{"providers", providers}, {"models", models}, {"simulated", true}, {"endpoints", urls},
                     {"rpm", o.rpm}, {"tpm", o.tpm}, {"budget_usd", o.budget_usd}, {"adaptive", o.adaptive},
                     {"latency_ms", o.llm_latency_ms}, {"failure_rate", o.llm_failure_rate},
                     {"hang_rate", o.llm_hang_rate}, {"provider_rpm", o.llm_rpm}, {"provider_tpm", o.llm_tpm}});
  } else {
    operations.info("LLM fallback enabled",
                    {{"providers", providers}, {"models", models}, {"simulated", false}, {"endpoints", urls},
                     {"rpm", o.rpm}, {"tpm", o.tpm}, {"budget_usd", o.budget_usd}, {"adaptive", o.adaptive}});
  }
  for (const std::string& variable : setup.missing_keys) {
    operations.warning("No API key", {{"variable", variable},
                                      {"hint", "requests go without a key, as a local server accepts them"}});
  }
}

/// The LLM step: one question under the client's failover, its spend in the run's metrics.
std::optional<lb::Failure> classify_with_llm(llm::Client& client, const demo::Lead& lead, lb::Context& ctx,
                                             const ll::Logger& clog, demo::Classification& out) {
  LEADSCOUT_DEBUG(clog, "LLM fallback triggered", {{"name", lead.name}});
  const llm::Reply reply = client.complete(ctx, demo::origin_request(lead.name));
  ctx.metric("llm_calls", 1);
  ctx.metric("llm_tokens", reply.usage().input_tokens + reply.usage().output_tokens);
  ctx.metric("llm_cost_micro_usd", static_cast<std::int64_t>(std::llround(reply.cost_usd() * 1e6)));
  if (!reply.ok()) {
    if (reply.failure().reason == "llm_unavailable") {
      ctx.log().warning("LLM providers unavailable", {{"name", lead.name}, {"providers", client.options().endpoints.size()}});
    }
    return reply.failure();
  }
  const std::string_view provider = llm::to_string(client.options().endpoints.at(reply.endpoint()).api);
  const demo::Answer answer = demo::read_answer(reply.json());
  out = demo::Classification{lead.name, answer.label, answer.confidence, "llm", std::string(provider)};
  LEADSCOUT_DEBUG(clog, "LLM response", {{"name", lead.name}, {"method", "llm"}, {"provider", provider},
                                         {"result", answer.label}, {"confidence", answer.confidence},
                                         {"tokens", reply.usage().input_tokens + reply.usage().output_tokens},
                                         {"cost_usd", reply.cost_usd()}});
  return std::nullopt;
}

/// The leads to classify, read as the run goes: the CSV file, or generated ones. A malformed
/// record stops the run; `bad_input` then holds it, for exit code 2. Throws demo::CsvError for
/// a file that cannot be opened or has no usable header.
demo::LeadStream lead_stream(const demo::DemoOptions& o, std::shared_ptr<std::optional<demo::CsvError>> bad_input) {
  if (o.input.empty()) {
    auto generator = std::make_shared<demo::LeadGenerator>(o.leads, o.seed);
    return demo::LeadStream([generator] { return generator->next(); });
  }
  auto file = std::make_shared<std::ifstream>(o.input, std::ios::binary);
  if (!*file) throw demo::CsvError(o.input.string(), 0, "cannot open the file");
  auto reader = std::make_shared<demo::LeadCsvReader>(*file, o.input.string());
  return demo::LeadStream([file, reader, bad_input] {
    try {
      return reader->next();
    } catch (const demo::CsvError& e) {
      bad_input->emplace(e);
      throw;
    }
  });
}

void log_bad_input(const ll::Logger& operations, const demo::DemoOptions& o, const demo::CsvError& e) {
  operations.error("Input file invalid", {{"input", o.input.string()}, {"line", e.line()}, {"error", e.what()}});
}

/// Serves the monitoring endpoint during the run (LEADSCOUT_HTTP=127.0.0.1:9464: the dashboard,
/// /metrics, /healthz). An endpoint that cannot start (a bad LEADSCOUT_HTTP, a busy port) makes
/// run() throw a leadscout::Error like the batch's own setup failures; the returned flag, set
/// then, tells a usage problem from a batch that could not start.
std::shared_ptr<bool> attach_monitoring(lb::Options& opt) {
  leadscout::monitor::attach(opt);
  auto failed = std::make_shared<bool>(false);
  opt.on_phase = [serve = std::move(opt.on_phase), failed](lb::RunPhase phase, const std::filesystem::path& dir) {
    try {
      serve(phase, dir);
    } catch (const leadscout::Error&) {
      *failed = true;
      throw;
    }
  };
  return failed;
}

lb::ResultsSink results_sink(const std::filesystem::path& path) {
  return path.extension() == ".jsonl" ? lb::jsonl_results(path) : lb::csv_results(path);
}

/// --llm-batch: one run whose leads the rules answer are classified at once, and whose other
/// leads go through the provider's batch API. It is journaled: the same command resumes it, and
/// the batches already made are collected, not made again.
lb::Summary<demo::Classification> run_with_llm_batches(const demo::DemoOptions& o, lb::Options opt, demo::LeadStream& stream,
                                                       llm::Client& client, const demo::Classifier& classifier) {
  const ll::Logger clog = ll::get("classification");
  lb::BackgroundProcessor<demo::Lead, demo::Classification> proc(opt);
  const std::string provider(llm::to_string(client.options().endpoints.front().api));
  const llm::Pipeline<demo::Lead, demo::Classification> pipeline{
      .request = [](const demo::Lead& lead) { return demo::origin_request(lead.name); },
      .result = [&provider](const demo::Lead& lead, const llm::Reply& reply) -> lb::Outcome<demo::Classification> {
        const demo::Answer answer = demo::read_answer(reply.json());
        return demo::Classification{lead.name, answer.label, answer.confidence, "llm", provider};
      },
      .local = [&](const demo::Lead& lead) -> std::optional<lb::Outcome<demo::Classification>> {
        if (auto c = classifier.classify(lead.name, clog)) return std::move(*c);
        return std::nullopt;
      },
      .on_outcome = [](const demo::Lead&, const lb::Outcome<demo::Classification>& outcome, lb::Context& ctx) {
        if (outcome.ok()) count(ctx, outcome.value());
      }};
  const llm::RunOptions batch{.mode = llm::Mode::batch,
                              .max_batch_requests = o.batch_requests,
                              .poll_interval = o.batch_poll_interval,
                              .cancel_on_stop = o.cancel_batches};
  return llm::run(proc, client, stream, pipeline, batch);
}

int run(const demo::DemoOptions& o, const ll::Config& log_config) {
  const ll::Logger operations = ll::get("operations").bind({{"operation", o.operation}});

  auto bad_input = std::make_shared<std::optional<demo::CsvError>>();
  std::optional<demo::LeadStream> leads;
  try {
    leads.emplace(lead_stream(o, bad_input));
  } catch (const demo::CsvError& e) {
    log_bad_input(operations, o, e);
    return kExitUsage;
  }

  demo::LlmSetup setup;
  std::optional<llm::Client> client;
  try {
    setup = demo::make_llm_setup(o);
    setup.client.cache = demo::make_cache(o, log_config.dir);
    client.emplace(setup.client);
  } catch (const std::exception& e) {  // a bad flag, a bad URL, an unreadable --ca-file
    operations.error("Provider setup invalid", {{"error", e.what()}});
    return kExitUsage;
  }
  const demo::Classifier classifier;
  const std::filesystem::path output = o.output_path();

  operations.info("Starting logistics lead processing",
                  {{"batch_size", o.input.empty() ? ll::Value(o.leads) : ll::Value(nullptr)},
                   {"input", o.input.empty() ? std::string("generated") : o.input.string()},
                   {"seed", o.seed},
                   {"concurrency", o.concurrency},
                   {"item_timeout_ms", o.item_timeout.count()},
                   {"deadline_ms", o.deadline.count()},
                   {"log_dir", log_config.dir.string()},
                   {"output", output.string()},
                   {"fresh", o.fresh}});
  log_providers(operations, o, setup);

  lb::Options opt;
  opt.operation = o.operation;
  opt.concurrency = o.concurrency;
  opt.item_timeout = o.item_timeout;
  opt.deadline = o.deadline;
  opt.fresh = o.fresh;
  opt.progress_dir = log_config.dir / "progress";
  opt.seed = o.seed;
  opt.quotas = demo::make_quotas(o, *client);

  const ll::Logger classification_log = ll::get("classification");
  const auto classify = [&](const demo::Lead& lead, lb::Context& ctx) -> lb::Outcome<demo::Classification> {
    ctx.set_current(lead.name);
    const ll::Fields item = {{"operation", o.operation}, {"item_id", lead.id}, {"attempt", ctx.attempt()}};
    const ll::Logger clog = classification_log.enabled(ll::Level::debug) ? classification_log.bind(item) : classification_log;
    if (auto local = classifier.classify(lead.name, clog)) return count(ctx, std::move(*local));
    demo::Classification answered;
    if (auto failure = classify_with_llm(*client, lead, ctx, clog, answered)) return std::move(*failure);
    return count(ctx, std::move(answered));
  };

  opt.item_noun = "leads";  // the summary says "leads_per_second=..."
  auto monitoring_failed = std::make_shared<bool>(false);
  lb::Summary<demo::Classification> summary;
  try {
    // Each classified lead is appended as it finishes; a resumed run completes the file.
    opt.results = results_sink(output);
    if (o.input.empty()) opt.expected_total = o.leads;
    monitoring_failed = attach_monitoring(opt);
    if (o.llm_batch) {
      summary = run_with_llm_batches(o, opt, *leads, *client, classifier);
    } else {
      lb::BackgroundProcessor<demo::Lead, demo::Classification> processor(opt);
      summary = processor.run(*leads, classify);
    }
  } catch (const leadscout::Error& e) {
    if (*monitoring_failed) {
      operations.error("Batch not started", {{"error", e.what()}});
      return kExitUsage;
    }
    if (*bad_input) {  // in the first records: nothing ran
      log_bad_input(operations, o, **bad_input);
      return kExitUsage;
    }
    operations.error("Batch not started", {{"error", e.what()},
                                           {"hint", "a journal of another input needs --fresh"}});
    return kExitFailure;
  }

  if (summary.status == lb::Status::failed) {  // a rejected key, an unverified certificate: said where one looks first
    std::fprintf(stderr, "demo_500_leads: the run halted: %s\n", summary.reason.c_str());
  }
  const auto african_it = summary.metrics.find("african_businesses");
  const std::int64_t african = african_it == summary.metrics.end() ? 0 : african_it->second;
  const double african_share =
      summary.succeeded == 0 ? 0.0 : static_cast<double>(african) / static_cast<double>(summary.succeeded);
  char share[16];
  std::snprintf(share, sizeof share, "%.1f%%", african_share * 100.0);
  int exit = lb::exit_code(summary);
  if (*bad_input) {  // what was read before the bad record is done and kept
    log_bad_input(operations, o, **bad_input);
    exit = kExitUsage;
  }
  operations.info("Results written",
                  {{"path", output.string()},
                   {"rows", summary.succeeded},
                   {"leads", summary.total},
                   {"failed", summary.failed},
                   {"without_outcome", summary.remaining},
                   {"african_share", std::string_view(share)},
                   {"bee_potential", african_share >= 0.5 ? "high" : african_share >= 0.25 ? "medium" : "low"},
                   {"status", lb::to_string(summary.status)},
                   {"exit_code", exit}});
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
    log_config = demo::log_config_from_env();
  } catch (const leadscout::Error& e) {
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
