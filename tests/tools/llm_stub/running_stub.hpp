// leadscout-llm-stub as a child process on a free loopback port, for tests that drive it over
// HTTP. The includer defines LEADSCOUT_LLM_STUB_BIN, the binary's path.
#pragma once

#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "utils.hpp"

namespace leadscout::test {

/// The stub as a child process on a free port, for the life of the object.
class RunningStub {
 public:
  explicit RunningStub(std::vector<std::string> flags) : process_(command(std::move(flags)), dir_.path()) {
    EXPECT_TRUE(process_.wait_for_output("\n", std::chrono::seconds(10))) << process_.err();
    const std::string first = leadscout::test::split_lines(process_.out()).at(0);
    const std::string prefix = "listening on 127.0.0.1:";
    EXPECT_EQ(first.rfind(prefix, 0), 0u) << first;
    port_ = std::stoi(first.substr(prefix.size()));
  }

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(std::chrono::seconds(2));
    c.set_read_timeout(std::chrono::seconds(5));
    return c;
  }
  [[nodiscard]] nlohmann::json stats() const {
    auto c = client();
    const auto res = c.Get("/stats");
    if (!res || res->status != 200) return nlohmann::json();
    return nlohmann::json::parse(res->body);
  }
  /// `sig` (SIGTERM by default), then the exit code within `limit` (-1 past it).
  int terminate(std::chrono::milliseconds limit = std::chrono::seconds(3), int sig = SIGTERM) {
    process_.signal(sig);
    return process_.wait(limit);
  }
  [[nodiscard]] std::string err() const { return process_.err(); }

 private:
  static std::vector<std::string> command(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {LEADSCOUT_LLM_STUB_BIN, "--port", "0"});
    return flags;
  }

  leadscout::test::TempDir dir_;
  leadscout::test::ChildProcess process_;
  int port_ = 0;
};

}  // namespace leadscout::test
