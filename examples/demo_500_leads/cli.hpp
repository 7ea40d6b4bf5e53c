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

  /// The results file: `output`, or results/<operation>.csv.
  [[nodiscard]] std::filesystem::path output_path() const;
};

/// Parses "90", "90s", "1500ms", "2m", "1h" (a bare number is seconds); nullopt otherwise.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Declares every option on `app`, writing into `options` when app.parse() runs.
void add_options(CLI::App& app, DemoOptions& options);

}  // namespace demo
