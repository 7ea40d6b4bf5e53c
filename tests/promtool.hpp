// Running Prometheus's own checker, promtool (Debian package `prometheus`), over an exposition.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "utils.hpp"

namespace leadscout::test {

/// promtool's path from PATH, or empty when it is not installed.
inline std::filesystem::path find_promtool() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::filesystem::path candidate = std::filesystem::path(dirs.substr(0, colon)) / "promtool";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return {};
}

/// What `promtool check metrics` said.
struct PromtoolResult {
  int exit_code = -1;  ///< 0: the exposition parses and passes the lint
  std::string output;  ///< its complaints (stdout and stderr)
};

/// Runs `promtool check metrics < file`, its output kept in `work`.
inline PromtoolResult promtool_check_metrics(const std::filesystem::path& promtool, const std::filesystem::path& file,
                                             const std::filesystem::path& work) {
  ChildProcess child({"/bin/sh", "-c", "exec \"$0\" check metrics < \"$1\"", promtool.string(), file.string()}, work);
  PromtoolResult r;
  r.exit_code = child.wait();
  r.output = child.out() + child.err();
  return r;
}

/// The message of a test that needs promtool and does not find it: such a test fails, it does
/// not skip, so that a machine without it cannot pass the exposition unchecked.
inline constexpr const char* kPromtoolMissing =
    "promtool is not on PATH: install the Debian package `prometheus` (scripts/lib/packages.sh lists it "
    "among the test packages)";

}  // namespace leadscout::test
