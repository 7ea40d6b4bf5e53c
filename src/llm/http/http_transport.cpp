// The transport on cpp-httplib and OpenSSL. Each worker thread has its own client per transport,
// so connections are reused and a stop closes only the socket of the call it interrupts.
#include "http/http_transport.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "leadscout/error.hpp"

namespace leadscout::llm::detail {

namespace {

/// OpenSSL writes to the socket with write(2), which raises SIGPIPE when the peer (or a stop)
/// has closed it; that must fail the call, not end the application. Blocks SIGPIPE in this
/// thread for the object's life and discards one raised meanwhile.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_mask_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec no_wait{};
      while (sigtimedwait(&pipe_, nullptr, &no_wait) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_mask_{};
  bool was_pending_ = false;
};

/// Interrupts one call from the thread that requests the stop. httplib's stop() cannot end a
/// connect or a TLS handshake (it waits for them), so the call's new socket is duplicated here:
/// shutting the duplicate down ends them at once, and, unlike httplib's descriptor, it cannot
/// be closed and reused for another socket behind our back.
class CallInterrupt {
 public:
  explicit CallInterrupt(httplib::ClientImpl& client) : client_(client) {}
  ~CallInterrupt() {
    if (duplicate_ >= 0) ::close(duplicate_);
  }
  CallInterrupt(const CallInterrupt&) = delete;
  CallInterrupt& operator=(const CallInterrupt&) = delete;

  /// Called by httplib on the calling thread with each new socket, before it connects.
  void on_new_socket(int sock) {
    const std::lock_guard lock(mutex_);
    if (interrupted_) {
      make_unconnectable(sock);
      return;
    }
    if (duplicate_ >= 0) ::close(duplicate_);  // an earlier address of the host failed
    duplicate_ = ::fcntl(sock, F_DUPFD_CLOEXEC, 0);
  }

  /// From any thread: ends the call's connect, handshake, write or read.
  void interrupt() {
    {
      const std::lock_guard lock(mutex_);
      interrupted_ = true;
      if (duplicate_ >= 0) ::shutdown(duplicate_, SHUT_RDWR);
    }
    // A reused connection has no duplicate: httplib shuts it down, or, between requests, closes
    // it, writing TLS's close_notify from this thread.
    const SigpipeBlock no_sigpipe;
    client_.stop();
  }

 private:
  /// A stop came before the connection: the socket becomes a Unix one, whose connect to an IP
  /// address fails at once, so nothing reaches the server, not even a TCP handshake.
  static void make_unconnectable(int sock) {
    const int unix_socket = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (unix_socket < 0) return;
    ::dup3(unix_socket, sock, O_CLOEXEC);
    ::close(unix_socket);
  }

  httplib::ClientImpl& client_;
  std::mutex mutex_;
  bool interrupted_ = false;
  int duplicate_ = -1;
};

/// One thread's client of one transport.
struct Connection {
  std::unique_ptr<httplib::ClientImpl> client;
  httplib::SSLClient* tls = nullptr;  ///< the same object when the URL is https
  CallInterrupt* call = nullptr;      ///< the call in progress, set and read by the owning thread
};

std::unique_ptr<Connection> open_connection(const BaseUrl& url, const std::string& ca_file) {
  auto connection = std::make_unique<Connection>();
  if (url.tls()) {
    auto tls = std::make_unique<httplib::SSLClient>(url.host, url.port);
    tls->enable_server_certificate_verification(true);
    if (!ca_file.empty()) tls->set_ca_cert_path(ca_file);  // else the system's, as OpenSSL finds it
    connection->tls = tls.get();
    connection->client = std::move(tls);
  } else {
    connection->client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
  }
  connection->client->set_keep_alive(true);
  Connection* raw = connection.get();
  connection->client->set_socket_options([raw](int sock) {
    if (raw->call != nullptr) raw->call->on_new_socket(sock);
  });
  return connection;
}

/// Throws unless `ca_file` is a readable file with at least one PEM certificate.
void check_ca_file(const std::string& ca_file) {
  std::error_code ec;
  if (std::filesystem::is_directory(ca_file, ec)) throw Error("the CA file " + ca_file + " is a directory");
  std::ifstream in(ca_file);
  if (!in) throw Error("cannot read the CA file " + ca_file + ": " + std::strerror(errno));
  X509_STORE* store = X509_STORE_new();
  const bool loaded = store != nullptr && X509_STORE_load_file(store, ca_file.c_str()) == 1;
  X509_STORE_free(store);
  if (!loaded) throw Error("the CA file " + ca_file + " holds no PEM certificate");
}

HttpResult no_response(HttpResult::Error error, std::string text) {
  HttpResult result;
  result.error = error;
  result.error_text = std::move(text);
  return result;
}

HttpResult timed_out(const std::string& host_port, std::chrono::milliseconds timeout) {
  return no_response(HttpResult::Error::timeout,
                     "no response from " + host_port + " within " + std::to_string(timeout.count()) + " ms");
}

HttpResult cancelled(const std::string& host_port) {
  return no_response(HttpResult::Error::cancelled, "the call to " + host_port + " was stopped");
}

/// The certificate's verification error as OpenSSL words it.
HttpResult unverified(const Connection& connection, const std::string& host_port) {
  long reason = connection.tls != nullptr ? connection.tls->get_openssl_verify_result() : X509_V_OK;
  if (reason == X509_V_OK) reason = X509_V_ERR_HOSTNAME_MISMATCH;  // the chain verified, the name did not
  return no_response(HttpResult::Error::tls_verification,
                     "TLS certificate of " + host_port + " did not verify: " + X509_verify_cert_error_string(reason));
}

/// Why a call that got no response failed, from httplib's error and the time it took.
HttpResult failure(httplib::Error error, const Connection& connection, const std::string& host_port,
                   std::chrono::milliseconds elapsed, std::chrono::milliseconds timeout) {
  using E = HttpResult::Error;
  const std::string detail = " (" + httplib::to_string(error) + ")";
  switch (error) {
    case httplib::Error::SSLServerVerification:
      return unverified(connection, host_port);
    case httplib::Error::ConnectionTimeout:
      return timed_out(host_port, timeout);
    case httplib::Error::Connection:
    case httplib::Error::BindIPAddress:
      return no_response(E::connection, "cannot connect to " + host_port + detail);
    case httplib::Error::Read:
    case httplib::Error::Write:
    case httplib::Error::SSLConnection:
      // httplib reports a read, write or handshake that timed out like one the peer cut short.
      if (elapsed >= timeout) return timed_out(host_port, timeout);
      if (error == httplib::Error::SSLConnection) {
        return no_response(E::connection, "the TLS handshake with " + host_port + " failed" + detail);
      }
      return no_response(E::connection, "the connection to " + host_port + " broke off" + detail);
    case httplib::Error::Canceled:
      return cancelled(host_port);
    default:
      return no_response(E::other, "the call to " + host_port + " failed" + detail);
  }
}

}  // namespace

struct HttpTransport::Connections {
  std::mutex mutex;
  // Keyed by thread: a thread id reused after its thread ended takes over an idle connection.
  std::map<std::thread::id, std::unique_ptr<Connection>> by_thread;

  Connection& of_this_thread(const BaseUrl& url, const std::string& ca_file) {
    const std::lock_guard lock(mutex);
    auto& connection = by_thread[std::this_thread::get_id()];
    if (!connection) connection = open_connection(url, ca_file);
    return *connection;
  }
};

HttpTransport::HttpTransport(std::string base_url, std::string ca_file)
    : url_(BaseUrl::parse(base_url)), ca_file_(std::move(ca_file)), connections_(std::make_unique<Connections>()) {
  if (!ca_file_.empty()) check_ca_file(ca_file_);
}

HttpTransport::~HttpTransport() = default;
HttpTransport::HttpTransport(HttpTransport&&) noexcept = default;
HttpTransport& HttpTransport::operator=(HttpTransport&&) noexcept = default;

HttpResult HttpTransport::post(std::string_view path, const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body, std::chrono::milliseconds timeout,
                               std::stop_token stop) const {
  if (stop.stop_requested()) return cancelled(host_port());
  if (timeout <= std::chrono::milliseconds::zero()) return timed_out(host_port(), timeout);
  Connection& connection = connections_->of_this_thread(url_, ca_file_);
  httplib::ClientImpl& client = *connection.client;
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  httplib::Headers request_headers(headers.begin(), headers.end());
  std::string target = url_.path;
  if (!path.starts_with('/')) target += '/';
  target += path;

  const SigpipeBlock no_sigpipe;
  CallInterrupt call(client);
  connection.call = &call;
  const auto started = std::chrono::steady_clock::now();
  httplib::Result response = [&] {
    // A stop between the check above and here runs the callback at once: a new socket cannot
    // connect, and a kept-alive one is closed.
    const std::stop_callback interrupt(stop, [&call] { call.interrupt(); });
    return client.Post(target, request_headers, body, "application/json");
  }();
  connection.call = nullptr;
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (!response) {
    if (stop.stop_requested()) return cancelled(host_port());
    return failure(response.error(), connection, host_port(), elapsed, timeout);
  }
  HttpResult result;
  result.status = response->status;
  result.body = std::move(response->body);
  result.headers.assign(response->headers.begin(), response->headers.end());
  return result;
}

}  // namespace leadscout::llm::detail
