// leadscout-llm-stub: OpenAI- and Anthropic-shaped chat endpoints on loopback, answered by the
// demo's simulated LLM, with per-key rate limits, for testing clients without spending money.
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "server.hpp"
#include "service.hpp"

namespace stub = leadscout::llm_stub;

namespace {

constexpr const char* kHost = "127.0.0.1";

constexpr const char* footer = R"(Endpoints: POST /chat/completions and /v1/chat/completions (OpenAI), POST /messages
and /v1/messages (Anthropic), the batch APIs (OpenAI /v1/files and /v1/batches, Anthropic
/v1/messages/batches), GET /stats, GET /health. The key comes in x-api-key or in
authorization: Bearer KEY. With --tls-cert and --tls-key it serves HTTPS instead of HTTP.
The first line on stdout is "listening on 127.0.0.1:PORT".
SIGTERM or SIGINT stops it with exit 0; bad usage (also a certificate or key that does not load)
exits 2, a port it cannot bind 1.)";

struct Arguments {
  int port = 0;
  int latency_ms = 0;
  int batch_seconds = 0;
  std::string tls_cert;  ///< empty: plain HTTP
  std::string tls_key;
  stub::StubOptions options;
};

void add_options(CLI::App& app, Arguments& a) {
  app.add_option("--port", a.port, "TCP port on 127.0.0.1, 0 for a free one (default 0)")->check(CLI::Range(0, 65535));
  app.add_option("--seed", a.options.seed, "Seed of the simulated answers (default 42)");
  app.add_option("--latency-ms", a.latency_ms, "Mean latency of an answer in ms, ±50 % (default 0)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--failure-rate", a.options.failure_rate, "Share of calls answered with a 500 or 503 (default 0)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--hang-rate", a.options.hang_rate, "Share of calls never answered (default 0)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--rpm", a.options.limits.rpm, "Requests per minute per API key, 0 for no limit (default 0)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--tpm", a.options.limits.tpm, "Tokens per minute per API key, 0 for no limit (default 0)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--batch-seconds", a.batch_seconds, "Seconds from a batch's creation to its end, 0: at once (default 0)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--batch-expire-rate", a.options.batches.expire_rate,
                 "Share of batches that expire with half their rows done (default 0)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--window-seconds", a.options.limits.window_seconds,
                 "Seconds of --rpm and --tpm that may be spent at once; headers report the minute (default 60)")
      ->check(CLI::Range(1, 60));
  app.add_option("--reject-key", a.options.reject_key, "An API key answered with 401");
  auto* cert = app.add_option("--tls-cert", a.tls_cert, "Serve HTTPS with this PEM certificate (chain); needs --tls-key")
                   ->check(CLI::ExistingFile);
  auto* key = app.add_option("--tls-key", a.tls_key, "The PEM private key of --tls-cert")->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  app.footer(footer);
}

/// OpenSSL's first queued error, as text; clears the queue.
std::string openssl_reason() {
  char reason[256] = "unknown reason";
  if (const unsigned long error = ERR_peek_error(); error != 0) ERR_error_string_n(error, reason, sizeof reason);
  ERR_clear_error();
  return reason;
}

/// Whether `file` holds a PEM certificate, or a PEM private key.
bool holds_pem(const std::string& file, bool private_key) {
  BIO* bio = BIO_new_file(file.c_str(), "r");
  if (bio == nullptr) return false;
  bool found = false;
  if (private_key) {
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    found = key != nullptr;
    EVP_PKEY_free(key);
  } else {
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    found = cert != nullptr;
    X509_free(cert);
  }
  BIO_free(bio);
  return found;
}

/// An HTTP server, or an HTTPS one with the certificate and key of the flags; null after
/// saying why, naming the flag and its file, when they do not load.
std::unique_ptr<httplib::Server> make_server(const Arguments& a) {
  if (a.tls_cert.empty()) return std::make_unique<httplib::Server>();
  std::string problem;
  if (!holds_pem(a.tls_cert, false)) {
    problem = "--tls-cert: no PEM certificate in " + a.tls_cert;
  } else if (!holds_pem(a.tls_key, true)) {
    problem = "--tls-key: no PEM private key in " + a.tls_key;
  }
  if (!problem.empty()) {
    std::cerr << "leadscout-llm-stub: " << problem << ": " << openssl_reason() << '\n';
    return nullptr;
  }
  auto server = std::make_unique<httplib::SSLServer>(a.tls_cert.c_str(), a.tls_key.c_str());
  if (server->is_valid()) return server;
  std::cerr << "leadscout-llm-stub: --tls-key " << a.tls_key << " is not the key of --tls-cert " << a.tls_cert
            << ": " << openssl_reason() << '\n';
  return nullptr;
}

/// Serves until SIGTERM or SIGINT. The signals are blocked before any thread starts, so every
/// thread inherits the mask and only sigwait() below receives them.
int serve(Arguments& a) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  stub::StubService service(a.options);
  const std::unique_ptr<httplib::Server> server_ptr = make_server(a);
  if (!server_ptr) return 2;
  httplib::Server& server = *server_ptr;
  stub::configure_server(server, service);
  const int port = a.port == 0 ? server.bind_to_any_port(kHost) : (server.bind_to_port(kHost, a.port) ? a.port : -1);
  if (port <= 0) {
    std::cerr << "leadscout-llm-stub: cannot listen on " << kHost << ':' << a.port << '\n';
    return 1;
  }
  std::atomic<bool> listen_returned{false};
  std::thread listener([&] {
    server.listen_after_bind();
    listen_returned = true;
  });
  // stop() only acts on a running server: wait for it, so an early signal is not lost.
  while (!server.is_running() && !listen_returned) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::cout << "listening on " << kHost << ':' << port << std::endl;
  int received = 0;
  if (!listen_returned) sigwait(&signals, &received);
  service.stop();  // first, so that hung and waiting handlers return and the pool can join
  server.stop();
  listener.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("leadscout-llm-stub: a local OpenAI and Anthropic chat API for testing", "leadscout-llm-stub");
  Arguments a;
  add_options(app, a);
  try {
    app.parse(argc, argv);
    if (a.options.failure_rate + a.options.hang_rate > 1.0) {
      throw CLI::ValidationError("--failure-rate", "--failure-rate plus --hang-rate must be at most 1");
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  a.options.latency_mean = std::chrono::milliseconds(a.latency_ms);
  a.options.batches.duration = std::chrono::seconds(a.batch_seconds);
  return serve(a);
}
