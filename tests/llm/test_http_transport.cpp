// leadscout::llm's HTTP(S) transport against in-process httplib servers (HTTPS with a throwaway
// CA) and loopback sockets that refuse or never answer.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/http_transport.hpp"
#include "leadscout/error.hpp"
#include "llm/tls_test_utils.hpp"
#include "utils.hpp"

namespace {

namespace lt = leadscout::test;
using leadscout::llm::detail::HttpResult;
using leadscout::llm::detail::HttpTransport;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

/// A loopback TCP socket on a free port. Listening, it completes connections in the kernel's
/// backlog but never reads or answers; not listening, connecting to it is refused.
class RawSocket {
 public:
  explicit RawSocket(bool listening) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), length) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0 || (listening && ::listen(fd_, 16) != 0)) {
      throw std::runtime_error("cannot set up a loopback socket");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~RawSocket() { ::close(fd_); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url(const char* scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
  }
  /// Whether a connection came (it waits in the backlog, never accepted).
  [[nodiscard]] bool connection_came() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }

 private:
  int fd_;
  int port_ = 0;
};

struct SeenRequest {
  std::string path;
  std::string body;
  httplib::Headers headers;
  int remote_port = 0;
};

/// An in-process HTTP server, or HTTPS with `ca`'s server certificate, on a free port of
/// `address`. Every POST is recorded and answered 200 (or the status in x-test-status) with
/// {"ok":true} and an x-ratelimit-remaining-requests header.
class TestServer {
 public:
  explicit TestServer(const lt::llm::TestCa* ca = nullptr, const char* address = "127.0.0.1") : address_(address) {
    if (ca != nullptr) {
      server_ = std::make_unique<httplib::SSLServer>(ca->server_cert().c_str(), ca->server_key().c_str());
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    if (!server_->is_valid()) throw std::runtime_error("the test server's certificate does not load");
    server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    port_ = server_->bind_to_any_port(address);
    if (port_ <= 0) return;
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(1ms);
  }
  ~TestServer() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  [[nodiscard]] bool listening() const { return port_ > 0; }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url(const char* scheme, const std::string& path = "") const {
    return std::string(scheme) + "://" + address_ + ":" + std::to_string(port_) + path;
  }
  [[nodiscard]] std::vector<SeenRequest> seen() const {
    const std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void answer(const httplib::Request& req, httplib::Response& res) {
    {
      const std::lock_guard lock(mutex_);
      seen_.push_back({req.path, req.body, req.headers, req.remote_port});
    }
    const std::string status = req.get_header_value("x-test-status");
    res.status = status.empty() ? 200 : std::stoi(status);
    res.set_header("x-ratelimit-remaining-requests", "41");
    res.set_content(R"({"ok":true})", "application/json");
  }

  std::string address_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<SeenRequest> seen_;
};

HttpResult post(const HttpTransport& transport, std::chrono::milliseconds timeout = 5s, std::stop_token stop = {},
                const Headers& headers = {}) {
  return transport.post("/chat/completions", headers, R"({"model":"m"})", timeout, std::move(stop));
}

std::string header_of(const HttpResult& result, const std::string& name) {
  for (const auto& [key, value] : result.headers) {
    if (key == name) return value;
  }
  return {};
}

template <typename F>
std::chrono::milliseconds time_of(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

/// The system's trust settings out of the way, so the throwaway CA is trusted only when given.
struct NoCertificateEnvironment {
  lt::ScopedEnv file{"SSL_CERT_FILE", nullptr};
  lt::ScopedEnv dir{"SSL_CERT_DIR", nullptr};
};

TEST(LlmHttpUrl, RejectsWhatIsNotHttpHostPortPath) {
  for (const char* bad : {"", "api.openai.com/v1", "ftp://host/v1", "https://", "https:///v1", "https://:443",
                          "https://host:0", "https://host:65536", "https://host:12ab", "https://host:", "https://host:1:2",
                          "https://[::1", "https://host/v1?x=1", "https://host/v1#x", "https://user@host",
                          "https://ho st"}) {
    try {
      HttpTransport transport(bad, "");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const leadscout::Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("`") + bad + "`"), std::string::npos) << e.what();
    }
  }
}

TEST(LlmHttpUrl, DescribesTheBaseUrlAndNamesHostAndPort) {
  const HttpTransport openai("https://api.openai.com/v1/", "");
  EXPECT_EQ(openai.describe(), "https://api.openai.com/v1");
  EXPECT_EQ(openai.host_port(), "api.openai.com:443");
  const HttpTransport local("HTTP://127.0.0.1:8080", "");
  EXPECT_EQ(local.describe(), "http://127.0.0.1:8080");
  EXPECT_EQ(local.host_port(), "127.0.0.1:8080");
  EXPECT_EQ(HttpTransport("http://[::1]:9/x", "").host_port(), "[::1]:9");
  EXPECT_EQ(HttpTransport("http://localhost/", "").host_port(), "localhost:80");
}

TEST(LlmHttpCaFile, AFileThatCannotBeReadOrHoldsNoCertificateThrowsNamingIt) {
  const lt::TempDir dir;
  const std::string missing = (dir / "missing.pem").string();
  const std::string empty = (dir / "empty.pem").string();
  std::ofstream(empty) << "not a certificate\n";
  for (const std::string& ca_file : {missing, empty, dir.path().string()}) {
    try {
      HttpTransport transport("https://127.0.0.1:1", ca_file);
      ADD_FAILURE() << "accepted " << ca_file;
    } catch (const leadscout::Error& e) {
      EXPECT_NE(std::string(e.what()).find(ca_file), std::string::npos) << e.what();
    }
  }
}

TEST(LlmHttpTls, ACallVerifiesWithTheCaFileAndSucceeds) {
  const lt::llm::TestCa ca;
  const TestServer server(&ca);
  const HttpTransport transport(server.url("https", "/v1"), ca.ca_cert().string());
  const HttpResult result = post(transport);
  EXPECT_EQ(result.error, HttpResult::Error::none) << result.error_text;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, R"({"ok":true})");
  ASSERT_EQ(server.seen().size(), 1u);
  EXPECT_EQ(server.seen()[0].path, "/v1/chat/completions");
}

TEST(LlmHttpTls, AnUntrustedCertificateIsAVerificationErrorNamingHostAndReason) {
  const NoCertificateEnvironment system_store_only;
  const lt::llm::TestCa ca;
  const TestServer server(&ca);
  const HttpTransport transport(server.url("https"), "");
  const HttpResult result = post(transport);
  EXPECT_EQ(result.error, HttpResult::Error::tls_verification);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error_text, "TLS certificate of 127.0.0.1:" + std::to_string(server.port()) + " did not verify: " +
                                   X509_verify_cert_error_string(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
  EXPECT_TRUE(server.seen().empty());
}

TEST(LlmHttpTls, SslCertFileIsHonouredWithoutACaFile) {
  const NoCertificateEnvironment clean;
  const lt::llm::TestCa ca;
  const lt::ScopedEnv trust("SSL_CERT_FILE", ca.ca_cert().c_str());
  const TestServer server(&ca);
  const HttpTransport transport(server.url("https"), "");
  const HttpResult result = post(transport);
  EXPECT_EQ(result.error, HttpResult::Error::none) << result.error_text;
  EXPECT_EQ(result.status, 200);
}

TEST(LlmHttpTls, ACertificateForAnotherHostDoesNotVerify) {
  const lt::llm::TestCa ca;  // for 127.0.0.1 and localhost only
  const TestServer server(&ca, "127.0.0.2");
  if (!server.listening()) GTEST_SKIP() << "cannot listen on 127.0.0.2";
  const HttpTransport transport(server.url("https"), ca.ca_cert().string());
  const HttpResult result = post(transport);
  EXPECT_EQ(result.error, HttpResult::Error::tls_verification);
  EXPECT_EQ(result.error_text, "TLS certificate of 127.0.0.2:" + std::to_string(server.port()) + " did not verify: " +
                                   X509_verify_cert_error_string(X509_V_ERR_HOSTNAME_MISMATCH));
  EXPECT_TRUE(server.seen().empty());
}

TEST(LlmHttpErrors, ARefusedConnectionIsAConnectionError) {
  const RawSocket closed(false);
  const HttpTransport transport(closed.url(), "");
  const HttpResult result = post(transport, 2s);
  EXPECT_EQ(result.error, HttpResult::Error::connection);
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error_text.find("127.0.0.1:" + std::to_string(closed.port())), std::string::npos)
      << result.error_text;
}

TEST(LlmHttpErrors, AServerThatNeverAnswersTimesOut) {
  const RawSocket silent(true);
  const HttpTransport transport(silent.url(), "");
  HttpResult result;
  const auto took = time_of([&] { result = post(transport, 200ms); });
  EXPECT_EQ(result.error, HttpResult::Error::timeout) << result.error_text;
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 2s);
  EXPECT_NE(result.error_text.find("200 ms"), std::string::npos) << result.error_text;
}

TEST(LlmHttpErrors, NoTimeLeftIsATimeoutWithoutConnecting) {
  const RawSocket silent(true);
  const HttpTransport transport(silent.url(), "");
  EXPECT_EQ(post(transport, 0ms).error, HttpResult::Error::timeout);
  EXPECT_FALSE(silent.connection_came());
}

TEST(LlmHttpErrors, HttpsToAPlainHttpServerIsAFailedHandshake) {
  const lt::llm::TestCa ca;
  const TestServer server;
  const HttpTransport transport(server.url("https"), ca.ca_cert().string());
  const HttpResult result = post(transport, 2s);
  EXPECT_EQ(result.error, HttpResult::Error::connection);
  EXPECT_NE(result.error_text.find("TLS handshake with 127.0.0.1:" + std::to_string(server.port())), std::string::npos)
      << result.error_text;
}

TEST(LlmHttpStop, AStopBeforeTheCallSendsNothing) {
  const RawSocket silent(true);
  const HttpTransport transport(silent.url(), "");
  std::stop_source stop;
  stop.request_stop();
  const HttpResult result = post(transport, 5s, stop.get_token());
  EXPECT_EQ(result.error, HttpResult::Error::cancelled);
  EXPECT_FALSE(silent.connection_came());
}

TEST(LlmHttpStop, AStopBeforeACallOnAKeptAliveConnectionSendsNothing) {
  const TestServer server;
  const HttpTransport transport(server.url("http"), "");
  ASSERT_EQ(post(transport).status, 200);
  std::stop_source stop;
  stop.request_stop();
  EXPECT_EQ(post(transport, 5s, stop.get_token()).error, HttpResult::Error::cancelled);
  EXPECT_EQ(server.seen().size(), 1u);
  EXPECT_EQ(post(transport).status, 200);  // the transport still works after a stop
}

/// A call to `url` that never gets an answer, stopped after 100 ms: cancelled at once, not at
/// its 10 s timeout.
void expect_prompt_stop(const std::string& url, const std::string& ca_file) {
  const HttpTransport transport(url, ca_file);
  std::stop_source stop;
  std::jthread stopper([&stop] {
    std::this_thread::sleep_for(100ms);
    stop.request_stop();
  });
  HttpResult result;
  const auto took = time_of([&] { result = post(transport, 10s, stop.get_token()); });
  EXPECT_EQ(result.error, HttpResult::Error::cancelled) << result.error_text;
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, 2s);
}

TEST(LlmHttpStop, AStopDuringAHungCallReturnsAtOnce) {
  const RawSocket silent(true);
  expect_prompt_stop(silent.url(), "");
  EXPECT_TRUE(silent.connection_came());
}

TEST(LlmHttpStop, AStopDuringAHungTlsHandshakeReturnsAtOnce) {
  const lt::llm::TestCa ca;
  const RawSocket silent(true);  // takes the connection, never answers the client's hello
  expect_prompt_stop(silent.url("https"), ca.ca_cert().string());
}

TEST(LlmHttpRequest, HeadersAndBodyReachTheServerAndResponseHeadersComeBack) {
  const TestServer server;
  const HttpTransport transport(server.url("http", "/v1/"), "");
  const HttpResult result = transport.post("chat/completions", {{"x-api-key", "sk-test"}, {"x-test-status", "429"}},
                                           R"({"model":"gpt-4o-mini"})", 5s, {});
  EXPECT_EQ(result.error, HttpResult::Error::none) << result.error_text;
  EXPECT_EQ(result.status, 429);
  EXPECT_EQ(result.body, R"({"ok":true})");
  EXPECT_EQ(header_of(result, "x-ratelimit-remaining-requests"), "41");
  const auto all_seen = server.seen();
  ASSERT_EQ(all_seen.size(), 1u);
  const SeenRequest& seen = all_seen[0];
  EXPECT_EQ(seen.path, "/v1/chat/completions");
  EXPECT_EQ(seen.body, R"({"model":"gpt-4o-mini"})");
  auto value = [&](const char* name) {
    const auto it = seen.headers.find(name);
    return it == seen.headers.end() ? std::string() : it->second;
  };
  EXPECT_EQ(value("x-api-key"), "sk-test");
  EXPECT_EQ(value("Content-Type"), "application/json");
}

TEST(LlmHttpConnections, EachThreadKeepsItsOwnConnectionAlive) {
  const lt::llm::TestCa ca;
  const TestServer server(&ca);
  const HttpTransport transport(server.url("https"), ca.ca_cert().string());
  ASSERT_EQ(post(transport).status, 200);
  ASSERT_EQ(post(transport).status, 200);
  std::thread([&] { EXPECT_EQ(post(transport).status, 200); }).join();
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].remote_port, seen[1].remote_port);  // reused
  EXPECT_NE(seen[2].remote_port, seen[0].remote_port);  // the other thread's own
}

}  // namespace
