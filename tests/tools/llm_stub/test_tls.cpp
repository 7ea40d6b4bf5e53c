// leadscout-llm-stub over HTTPS: the real binary with a certificate from a throwaway CA, called
// through leadscout::llm's transport, and its errors for TLS flags that cannot be used.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/http_transport.hpp"
#include "llm/tls_test_utils.hpp"
#include "running_stub.hpp"
#include "utils.hpp"

namespace {

namespace lt = leadscout::test;
using leadscout::llm::detail::HttpResult;
using leadscout::llm::detail::HttpTransport;
using namespace std::chrono_literals;

std::vector<std::string> tls_flags(const lt::llm::TestCa& ca) {
  return {"--tls-cert", ca.server_cert().string(), "--tls-key", ca.server_key().string()};
}

HttpResult chat(const HttpTransport& transport) {
  const nlohmann::json request{{"model", "gpt-4o-mini"},
                               {"messages", {{{"role", "user"}, {"content", "Classify this lead.\nName: Thabo"}}}}};
  return transport.post("/chat/completions", {{"authorization", "Bearer sk-test"}}, request.dump(), 5s, {});
}

/// Runs the binary with `flags` to its exit; the exit code and stderr.
std::pair<int, std::string> run_to_exit(const std::vector<std::string>& flags) {
  const lt::TempDir dir;
  std::vector<std::string> argv{LEADSCOUT_LLM_STUB_BIN};
  argv.insert(argv.end(), flags.begin(), flags.end());
  lt::ChildProcess process(argv, dir.path());
  const int code = process.wait(10s);
  return {code, process.err()};
}

TEST(StubTls, ServesHttpsThatVerifiesWithTheCa) {
  const lt::llm::TestCa ca;
  lt::RunningStub stub(tls_flags(ca));
  const std::string url = "https://127.0.0.1:" + std::to_string(stub.port()) + "/v1";
  const HttpResult result = chat(HttpTransport(url, ca.ca_cert().string()));
  EXPECT_EQ(result.error, HttpResult::Error::none) << result.error_text;
  EXPECT_EQ(result.status, 200) << result.body;
  EXPECT_TRUE(nlohmann::json::parse(result.body).contains("choices")) << result.body;
  EXPECT_EQ(stub.terminate(), 0) << stub.err();
}

TEST(StubTls, WithoutTheCaTheCertificateDoesNotVerify) {
  const lt::ScopedEnv no_file("SSL_CERT_FILE", nullptr);
  const lt::ScopedEnv no_dir("SSL_CERT_DIR", nullptr);
  const lt::llm::TestCa ca;
  lt::RunningStub stub(tls_flags(ca));
  const HttpResult result = chat(HttpTransport("https://127.0.0.1:" + std::to_string(stub.port()), ""));
  EXPECT_EQ(result.error, HttpResult::Error::tls_verification);
  EXPECT_EQ(result.error_text.rfind("TLS certificate of 127.0.0.1:" + std::to_string(stub.port()) + " did not verify: ", 0),
            0u)
      << result.error_text;
}

TEST(StubTls, AStopDuringALargeUploadEndsTheCallAtOnce) {
  // No httplib server in this process, so SIGPIPE keeps its default action: a write to the
  // socket the stop shut down must not end the process.
  const lt::llm::TestCa ca;
  lt::RunningStub stub(tls_flags(ca));
  const HttpTransport transport("https://127.0.0.1:" + std::to_string(stub.port()), ca.ca_cert().string());
  const std::string huge(64u << 20, 'x');  // far more than the socket buffers hold
  std::stop_source stop;
  std::jthread stopper([&stop] {
    std::this_thread::sleep_for(50ms);
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  const HttpResult result = transport.post("/v1/chat/completions", {}, huge, 10s, stop.get_token());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(result.error, HttpResult::Error::cancelled) << result.error_text;
  EXPECT_EQ(stub.terminate(), 0) << stub.err();
}

TEST(StubTls, TlsFlagsThatCannotBeUsedAreUsageErrorsNamingFlagAndFile) {
  const lt::llm::TestCa ca;
  const std::string cert = ca.server_cert().string();
  const std::string key = ca.server_key().string();
  const std::string missing = (ca.dir() / "missing.pem").string();
  const std::string not_pem = (ca.dir() / "server.cnf").string();
  const std::string other_key = (ca.dir() / "ca.key").string();
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases{
      {{"--tls-cert", cert}, {"--tls-cert", "--tls-key"}},
      {{"--tls-key", key}, {"--tls-key", "--tls-cert"}},
      {{"--tls-cert", missing, "--tls-key", key}, {"--tls-cert", missing}},
      {{"--tls-cert", cert, "--tls-key", missing}, {"--tls-key", missing}},
      {{"--tls-cert", not_pem, "--tls-key", key}, {"--tls-cert", not_pem}},
      {{"--tls-cert", cert, "--tls-key", not_pem}, {"--tls-key", not_pem}},
      {{"--tls-cert", cert, "--tls-key", other_key}, {"--tls-key", other_key, "--tls-cert", cert}},
  };
  for (const auto& [flags, named] : cases) {
    const auto [code, err] = run_to_exit(flags);
    EXPECT_EQ(code, 2) << err;
    for (const std::string& name : named) EXPECT_NE(err.find(name), std::string::npos) << name << " in " << err;
  }
}

}  // namespace
