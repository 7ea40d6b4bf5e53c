// The monitoring HTTP server: /healthz, /readyz, /metrics, /progress, /events and the dashboard.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "leadscout/error.hpp"
#include "leadscout/monitor/export.hpp"

namespace leadscout::monitor {

/// The name older code catches; a setup failure of the monitoring endpoint is a
/// leadscout::Error.
using Error = leadscout::Error;

/// What /readyz reports: 503 while starting or stopping, 200 when ready.
enum class Readiness { starting, ready, stopping };

/// Which progress files of the directory are served.
enum class Scope {
  this_process,  ///< only operations whose progress file has pid == getpid() (the in-process endpoint)
  all,           ///< every operation of the directory (`leadscout-status --serve`)
};

/// Default listening address, loopback only.
inline constexpr std::string_view default_address = "127.0.0.1:9464";

/// How the monitoring endpoint serves: its address, the progress directory it shows, its token
/// and its limits.
struct Options {
  /// host:port or [v6]:port; port 0 picks a free port (see Server::port()). Anything but a
  /// loopback host needs a token.
  std::string address = std::string(default_address);
  /// Where the progress (.json) and Prometheus (.prom) files are; empty means
  /// batch::default_progress_dir().
  std::filesystem::path progress_dir;
  Scope scope = Scope::this_process;  ///< which operations of the directory it shows
  /// When non-empty, every path but /healthz and the static dashboard page needs
  /// `Authorization: Bearer <token>`.
  std::string token;
  /// /healthz fails when a running operation's processed count has not changed for this long.
  std::chrono::milliseconds stall_after{std::chrono::minutes(5)};
  /// How often the progress directory is read in the background; zero means only on requests
  /// and refresh().
  std::chrono::milliseconds poll_interval{1000};
  /// Request-serving threads.
  std::size_t threads = 2;
  /// Accepted connections waiting for a thread; beyond that the accepting thread serves the
  /// next one itself, so further clients wait in the kernel's listen backlog.
  std::size_t max_queued_connections = 16;
  /// Per read or write on a connection; also how long an idle keep-alive connection is kept.
  std::chrono::seconds io_timeout{2};
  /// Largest accepted request body (GET bodies are not used at all).
  std::size_t max_body_bytes = 4096;
  Readiness initial_readiness = Readiness::starting;  ///< what /readyz reports until set_readiness()
  /// Time source of the stall detection; empty means std::chrono::steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

/// Options from the environment, or nullopt when LEADSCOUT_HTTP is unset or empty.
/// `LEADSCOUT_HTTP=host:port`, `LEADSCOUT_HTTP_TOKEN=token`, `LEADSCOUT_HTTP_STALL_SECONDS=n`.
/// `base` supplies everything else. Throws leadscout::Error naming the variable and value
/// when invalid.
[[nodiscard]] LEADSCOUT_MONITOR_EXPORT std::optional<Options> options_from_env(Options base = {});

/// A running monitoring server. Starts listening in the constructor; stops in stop() or the
/// destructor. All members are thread-safe.
class LEADSCOUT_MONITOR_EXPORT Server {
 public:
  /// Validates the options, binds and starts serving. Throws leadscout::Error: a bad address,
  /// a port that cannot be bound, a non-loopback address without a token.
  explicit Server(Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// The bound port (the chosen one when the address asked for port 0).
  [[nodiscard]] int port() const noexcept;
  /// The bound address as host:port.
  [[nodiscard]] std::string address() const;

  /// Sets what /readyz reports.
  void set_readiness(Readiness readiness) noexcept;
  /// What /readyz reports now.
  [[nodiscard]] Readiness readiness() const noexcept;

  /// Reads the progress directory now (what the background poller does every poll_interval).
  void refresh();

  /// Reports stopping, stops accepting, closes the connections and joins the threads. Returns
  /// within about io_timeout even when clients hang. Idempotent.
  void stop() noexcept;

 private:
  struct LEADSCOUT_MONITOR_NO_EXPORT Impl;
  std::unique_ptr<Impl> impl_;
};

/// Starts a server on `address` (e.g. "127.0.0.1:9464") with `options` for the rest.
[[nodiscard]] LEADSCOUT_MONITOR_EXPORT std::unique_ptr<Server> serve(std::string_view address, Options options = {});

/// Starts a server when LEADSCOUT_HTTP is set (see options_from_env()); nullptr otherwise.
[[nodiscard]] LEADSCOUT_MONITOR_EXPORT std::unique_ptr<Server> serve_from_env(Options base = {});

/// The dashboard page (self-contained HTML).
[[nodiscard]] LEADSCOUT_MONITOR_EXPORT std::string_view dashboard_html() noexcept;

}  // namespace leadscout::monitor
