// The demo's providers from its command line: the simulated one in this process, or real ones
// over HTTP(S), as llm::Client options; and their quotas.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli.hpp"
#include "leadscout/batch/quota.hpp"
#include "leadscout/llm/client.hpp"
#include "simulated_provider.hpp"

namespace demo {

/// A provider setting that cannot work (a bad --llm-url entry); the demo exits 2 with its message.
class SetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The providers of a run, in failover order.
struct LlmSetup {
  leadscout::llm::ClientOptions client;
  std::unique_ptr<SimulatedProvider> simulated;  ///< the in-process provider; null for real ones
  std::vector<std::string> missing_keys;         ///< key variables a real endpoint finds empty
};

/// The providers `o` asks for. Throws SetupError for a bad --llm-url, --llm-api or --llm-model,
/// and for --llm-batch without --llm-url.
[[nodiscard]] LlmSetup make_llm_setup(const DemoOptions& o);

/// The response cache --llm-cache names: a SQLite file (by default <log_dir>/cache/llm.sqlite),
/// a Redis database, or none for "off". Throws SetupError for a bad Redis URL.
[[nodiscard]] leadscout::llm::Cache make_cache(const DemoOptions& o, const std::filesystem::path& log_dir);

/// The client's quotas with --rpm, --tpm, --budget-usd and --adaptive applied
/// (LEADSCOUT_QUOTA_<NAME> overrides them in the library).
[[nodiscard]] std::vector<leadscout::batch::Quota> make_quotas(const DemoOptions& o, const leadscout::llm::Client& client);

}  // namespace demo
