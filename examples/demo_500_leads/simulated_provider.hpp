// The simulated provider: leadscout-llm-stub's service on a loopback port of this process, so
// that the demo's calls take the same path through llm::Client as a real provider's.
#pragma once

#include <memory>
#include <string>

namespace leadscout::llm_stub {
struct StubOptions;
}

namespace demo {

class SimulatedProvider {
 public:
  /// Serves on 127.0.0.1 on a free port until destroyed. Throws std::runtime_error when no
  /// port can be bound.
  explicit SimulatedProvider(const leadscout::llm_stub::StubOptions& options);
  ~SimulatedProvider();
  SimulatedProvider(const SimulatedProvider&) = delete;
  SimulatedProvider& operator=(const SimulatedProvider&) = delete;

  /// "http://127.0.0.1:PORT/v1".
  [[nodiscard]] std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace demo
