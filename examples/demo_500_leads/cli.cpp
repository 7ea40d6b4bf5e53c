// The demo's command line.
#include "cli.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace demo {

std::filesystem::path DemoOptions::output_path() const {
  return output.empty() ? std::filesystem::path("results") / (operation + ".csv") : output;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data() || !(value >= 0.0) || !std::isfinite(value)) return std::nullopt;
  const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  double ms_per_unit = 0.0;
  if (unit.empty() || unit == "s") {
    ms_per_unit = 1e3;
  } else if (unit == "ms") {
    ms_per_unit = 1.0;
  } else if (unit == "m" || unit == "min") {
    ms_per_unit = 60e3;
  } else if (unit == "h") {
    ms_per_unit = 3600e3;
  } else {
    return std::nullopt;
  }
  const double ms = value * ms_per_unit;
  if (ms > 1e15) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

namespace {

/// A CLI11 option that takes a duration ("30s", "1500ms", "2m").
void add_duration(CLI::App& app, const std::string& name, std::chrono::milliseconds& target, const std::string& help) {
  app.add_option_function<std::string>(
         name,
         [&target](const std::string& text) {
           target = *parse_duration(text);  // validated by the check below
         },
         help)
      ->type_name("DURATION")
      ->check(CLI::Validator(
          [](std::string& text) {
            return parse_duration(text) ? std::string() : "expected a duration like 30s, 1500ms, 2m or 1h";
          },
          "DURATION"));
}

/// The provider, its price, its limits and the client's quota.
void add_provider_options(CLI::App& app, DemoOptions& o) {
  app.add_option("--llm-rpm", o.llm_rpm, "Simulated provider: requests per minute it accepts, 0 for no limit")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--llm-tpm", o.llm_tpm, "Simulated provider: tokens per minute it accepts, 0 for no limit")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--llm-url", o.llm_url,
                 "Real providers to fail over between, comma-separated: URL (of --llm-api) or API=URL, e.g. "
                 "https://api.openai.com/v1,anthropic=https://api.anthropic.com/v1")
      ->check([](const std::string& list) {
        for (std::size_t start = 0; start < list.size();) {
          const std::size_t comma = std::min(list.find(',', start), list.size());
          const std::string entry = list.substr(start, comma - start);
          const auto scheme = entry.find("://");
          const std::string url = entry.substr(entry.find('=') < scheme ? entry.find('=') + 1 : 0);
          if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
            return "\"" + entry + "\" must start with http:// or https:// (or API=http...)";
          }
          start = comma + 1;
        }
        return std::string();
      });
  app.add_option("--llm-api", o.llm_api, "openai or anthropic (default: openai over HTTP, both simulated)")
      ->check(CLI::IsMember({"openai", "anthropic"}));
  app.add_option("--llm-model", o.llm_model,
                 "Model, or one per --llm-url entry, comma-separated (default gpt-4o-mini, or claude-3-haiku-20240307)");
  app.add_option("--ca-file", o.ca_file, "PEM bundle that verifies the providers' TLS certificates (default: the system's)")
      ->check(CLI::ExistingFile);
  app.add_option("--price-in", o.price_in, "USD per million input tokens (default: the built-in table)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--price-out", o.price_out, "USD per million output tokens (default: the built-in table)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--llm-cache", o.llm_cache,
                 "Answers already paid for: a SQLite file, redis://host:port/db (shared by shards), or off "
                 "(default <log-dir>/cache/llm.sqlite; LEADSCOUT_LLM_CACHE overrides it)");
  app.add_option("--rpm", o.rpm, "Requests per minute the client sends a provider, 0 to learn it from headers")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--tpm", o.tpm, "Tokens per minute the client sends a provider, 0 to learn it from headers")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--budget-usd", o.budget_usd, "Spend at which the run stops (exit 4), across resumes; 0 for none")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--adaptive", o.adaptive, "Adapt the calls in flight to the provider (AIMD) instead of --concurrency");
  app.add_flag("--llm-batch", o.llm_batch,
               "Ask the model about the leads that need it through the provider's batch API (half the price, answers "
               "within 24 hours; needs --llm-url); a resume collects the batches already made");
  app.add_flag("--cancel-batches", o.cancel_batches, "With --llm-batch: on SIGINT or SIGTERM, cancel the run's batches at the provider")
      ->needs("--llm-batch");
  add_duration(app, "--batch-poll-interval", o.batch_poll_interval,
               "With --llm-batch: the longest wait between polls of a batch (default 60s; the first polls come sooner)");
  app.add_option("--batch-requests", o.batch_requests, "With --llm-batch: requests per batch (never above the provider's limit)")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
}

}  // namespace

void add_options(CLI::App& app, DemoOptions& o) {
  app.description(
      "Classifies South-African business leads (rule lookup, phonetic match, simulated LLM fallback) as a\n"
      "resumable background batch: logs in --log-dir, progress in <log-dir>/progress, results in --output.\n"
      "Running the same command again resumes; --fresh starts over.");
  app.add_option("--input", o.input, "CSV file with the columns id,name (default: generated leads)")
      ->check(CLI::ExistingFile);
  app.add_option("--leads", o.leads, "Number of generated leads")->check(CLI::Range(1, 10'000'000))->capture_default_str();
  app.get_option("--leads")->excludes(app.get_option("--input"));
  app.add_option("--seed", o.seed, "Seed of the generated leads and the simulated LLM")->capture_default_str();
  app.add_option("--concurrency", o.concurrency, "Leads classified at the same time")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  add_duration(app, "--item-timeout", o.item_timeout, "Time limit of one attempt, 0 for none (default 10s)");
  add_duration(app, "--deadline", o.deadline, "Time limit of the whole run, 0 for none (default none); exit code 3");
  app.add_option("--log-dir", o.log_dir, "Log directory (default: $LEADSCOUT_LOG_DIR or logs)");
  app.add_option("--operation", o.operation, "Operation name: names the progress, journal and results files")
      ->check([](const std::string& s) {
        for (const char c : s) {
          if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.')) {
            return std::string("use letters, digits, '_', '-' and '.' only");
          }
        }
        return s.empty() ? std::string("must not be empty") : std::string();
      })
      ->capture_default_str();
  app.add_flag("--fresh", o.fresh, "Start over instead of resuming from the journal");
  app.add_option("--output", o.output, "Results file, .csv or .jsonl (default: results/<operation>.csv)")
      ->check([](const std::string& s) {
        const std::string ext = std::filesystem::path(s).extension().string();
        return ext == ".csv" || ext == ".jsonl" ? std::string() : std::string("the file must end in .csv or .jsonl");
      });
  app.add_option("--llm-latency-ms", o.llm_latency_ms, "Mean simulated LLM latency (uniform within +-50%)")
      ->check(CLI::Range(0, 600'000))
      ->capture_default_str();
  app.add_option("--llm-failure-rate", o.llm_failure_rate, "Share of simulated LLM calls that fail")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--llm-hang-rate", o.llm_hang_rate,
                 "Share of simulated LLM calls that never answer (ended by --item-timeout)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  add_provider_options(app, o);
  app.add_option("--failover-after", o.failover_after,
                 "Consecutive 5xx, connection failures or timeouts of an endpoint before calls move to the next")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  add_duration(app, "--failover-cooldown", o.failover_cooldown, "How long a failing endpoint is skipped (default 30s)");
  app.footer(
      "Exit codes: 0 completed, 5 completed with leads that failed every attempt, 130 interrupted by SIGINT,\n"
      "143 by SIGTERM, 2 bad usage or input, 3 deadline exceeded, 4 budget spent, 1 other failure (such as a\n"
      "rejected API key or a certificate that does not verify).\n"
      "Environment: OPENAI_API_KEY, ANTHROPIC_API_KEY, LEADSCOUT_QUOTA_OPENAI (rpm=,tpm=,in_flight=,budget_usd=),\n"
      "LEADSCOUT_LLM_CACHE, LEADSCOUT_LOG_DIR, LEADSCOUT_LOG_LEVEL, LEADSCOUT_LOG_CONSOLE (see the README and docs/providers.md).");
}

}  // namespace demo
