// The official OpenAI and Anthropic SDKs (node, from npm) against the real stub binary: plain,
// structured-output and forced-tool requests, 429s, and batches created, polled and read
// (sdk/check_sdks.mjs). Their
// packages are installed by scripts/test.sh (npm ci in sdk/); without them the test is skipped,
// except under CI (CI=true), where it fails.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "utils.hpp"

namespace lt = leadscout::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/// Why the SDK test cannot run here, or empty.
std::string missing_prerequisite() {
  const fs::path sdk = LEADSCOUT_STUB_SDK_DIR;
  if (std::string(LEADSCOUT_NODE).empty() || !fs::exists(LEADSCOUT_NODE)) {
    return "node was not found when configuring (install nodejs and reconfigure)";
  }
  for (const char* package : {"openai", "@anthropic-ai/sdk"}) {
    if (!fs::exists(sdk / "node_modules" / package / "package.json")) {
      return std::string("the npm package ") + package + " is not installed in " + sdk.string() +
             " (run scripts/test.sh, or npm ci --no-audit --no-fund there)";
    }
  }
  return {};
}

}  // namespace

TEST(StubSdk, OfficialSdksParseAnswersStructuredOutputToolsRateLimitErrorsAndBatches) {
  if (const std::string missing = missing_prerequisite(); !missing.empty()) {
    if (under_ci()) FAIL() << missing;
    GTEST_SKIP() << missing;
  }
  lt::TempDir dir;
  lt::ChildProcess stub({LEADSCOUT_LLM_STUB_BIN, "--port", "0", "--rpm", "1", "--batch-seconds", "1"}, dir.path());
  ASSERT_TRUE(stub.wait_for_output("\n", 10s)) << stub.err();
  const std::string first = lt::split_lines(stub.out()).at(0);
  const std::string prefix = "listening on ";
  ASSERT_EQ(first.rfind(prefix, 0), 0u) << first;
  const std::string base_url = "http://" + first.substr(prefix.size());

  const fs::path script = fs::path(LEADSCOUT_STUB_SDK_DIR) / "check_sdks.mjs";
  lt::ChildProcess node({LEADSCOUT_NODE, script.string(), base_url}, dir.path(), LEADSCOUT_STUB_SDK_DIR);
  const int code = node.wait(20s);
  EXPECT_EQ(code, 0) << "stdout:\n" << node.out() << "stderr:\n" << node.err();
  std::cout << node.out();
  // Each check the script passed, structured output and forced tools included.
  for (const char* check : {"ok: openai chat.completions.create\n", "ok: openai 429 is RateLimitError",
                            "ok: anthropic messages.create (x-api-key)", "ok: anthropic messages.create (bearer)",
                            "ok: anthropic 429 is RateLimitError",
                            "ok: openai chat.completions.create with response_format json_schema",
                            "ok: anthropic messages.create with a forced tool", "ok: openai files and batches (",
                            "ok: anthropic messages.batches ("}) {
    EXPECT_NE(node.out().find(check), std::string::npos) << check;
  }

  stub.signal(SIGTERM);
  EXPECT_EQ(stub.wait(5s), 0) << stub.err();
}
