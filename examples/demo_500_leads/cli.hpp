// The demo's command line.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace demo {

/// Everything the command line sets.
struct DemoOptions {
  std::filesystem::path input;  ///< empty: generate leads
  std::size_t leads = 500;
  std::uint64_t seed = 42;
  std::size_t concurrency = 16;
  std::chrono::milliseconds item_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds deadline{0};
  std::filesystem::path log_dir;  ///< empty: LEADSCOUT_LOG_DIR or logs
  std::string operation = "logistics_demo";
  bool fresh = false;
  std::filesystem::path output;  ///< empty: results/<operation>.csv
  int llm_latency_ms = 1800;
  double llm_failure_rate = 0.05;
  double llm_hang_rate = 0.01;
  std::int64_t llm_rpm = 5000;       ///< the simulated provider's requests per minute
  std::int64_t llm_tpm = 2'000'000;  ///< the simulated provider's tokens per minute

  // The providers: the simulated one in this process, or real ones over HTTP(S).
  std::string llm_url;    ///< endpoints to fail over between, "URL" or "API=URL", comma-separated; empty: simulated
  std::string llm_api;    ///< "openai" or "anthropic"; empty: openai over HTTP, both simulated
  std::string llm_model;  ///< one model, or one per --llm-url entry; empty: each API's default model
  std::string ca_file;    ///< PEM bundle that verifies the providers' certificates; empty: the system's
  int failover_after = 3;  ///< consecutive endpoint failures before calls move on
  std::chrono::milliseconds failover_cooldown{std::chrono::seconds(30)};  ///< how long a failing endpoint is skipped
  double price_in = -1;   ///< USD per million input tokens; negative: the built-in table
  double price_out = -1;  ///< USD per million output tokens; negative: the built-in table
  std::string llm_cache;  ///< a SQLite file, redis://host:port/db or "off"; empty: <log-dir>/cache/llm.sqlite

  // The client's quota of each provider (0: learned from the response headers).
  double rpm = 0;
  double tpm = 0;
  double budget_usd = 0;  ///< 0: no budget
  bool adaptive = false;  ///< in-flight limit adapts (AIMD) instead of --concurrency

  // The provider's batch API for the leads that need the model (real providers only).
  bool llm_batch = false;       ///< ask through the batch API, at half the price, instead of online
  bool cancel_batches = false;  ///< on a stop, cancel the run's batches at the provider (else a resume collects them)
  std::chrono::milliseconds batch_poll_interval{std::chrono::seconds(60)};  ///< the longest wait between polls
  std::size_t batch_requests = 10'000;  ///< requests per batch (never above the provider's limit)

  /// The results file: `output`, or results/<operation>.csv.
  [[nodiscard]] std::filesystem::path output_path() const;
};

/// Parses "90", "90s", "1500ms", "2m", "1h" (a bare number is seconds); nullopt otherwise.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Declares every option on `app`, writing into `options` when app.parse() runs.
void add_options(CLI::App& app, DemoOptions& options);

}  // namespace demo
