// The smallest leadscout::log program: structured events into the ./logs tree.
#include <leadscout/log.hpp>

#include <stdexcept>
#include <string>
#include <vector>

int main() {
  namespace ll = leadscout::log;
  ll::init(ll::Config::from_env());  // LEADSCOUT_LOG_DIR, LEADSCOUT_LOG_LEVEL, ...

  auto log = ll::get("classification");
  log.debug("Rule classification attempt", {{"name", "DIEMBY LUBAMBO"}});

  auto item_log = log.bind({{"batch_id", 42}, {"operation", "logistics_demo"}});
  item_log.info("Item processed", {{"item_id", 7}, {"result", "african"}, {"confidence", 0.85}});
  item_log.warning("LLM fallback triggered",
                   {{"provider", "anthropic"}, {"attempt", 2},
                    {"providers", std::vector<std::string>{"openai", "anthropic"}}});
  try {
    throw std::runtime_error("boom");
  } catch (const std::exception& e) {
    item_log.error("Processing error", e, {{"item_id", 7}});
  }
  ll::get("api").critical("Provider unreachable", {{"provider", "openai"}});
  ll::shutdown();
}
