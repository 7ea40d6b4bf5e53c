// The HTTP server: routing, authentication, limits and the background poller.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "leadscout/batch/options.hpp"
#include "leadscout/log/logger.hpp"
#include "state.hpp"

namespace leadscout::monitor {

namespace {

using detail::Health;

/// A fixed pool with a bounded queue. When the queue is full the accepting thread serves the
/// connection itself, which stops it from accepting more: extra clients wait in the kernel's
/// listen backlog instead of piling up here.
class BoundedPool final : public httplib::TaskQueue {
 public:
  BoundedPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
    for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) threads_.emplace_back([this] { work(); });
  }
  ~BoundedPool() override { shutdown(); }
  BoundedPool(const BoundedPool&) = delete;
  BoundedPool& operator=(const BoundedPool&) = delete;

  void enqueue(std::function<void()> fn) override {
    {
      std::unique_lock lock(m_);
      if (!stopping_ && jobs_.size() < max_queued_) {
        jobs_.push_back(std::move(fn));
        cv_.notify_one();
        return;
      }
    }
    fn();  // at the limit: serve it here, accepting nothing meanwhile
  }

  void shutdown() override {
    {
      std::lock_guard lock(m_);
      if (stopping_ && threads_.empty()) return;
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping and drained
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      // Once the server stopped, a queued connection is closed without being read.
      fn();
    }
  }

  std::size_t max_queued_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

std::string_view readiness_name(Readiness r) {
  switch (r) {
    case Readiness::starting: return "starting";
    case Readiness::ready: return "ready";
    case Readiness::stopping: return "stopping";
  }
  return "unknown";
}

std::string error_json(std::string_view message) { return nlohmann::json{{"error", message}}.dump(); }

void set_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

constexpr std::size_t max_events = 512;

}  // namespace

struct Server::Impl {
  Options opt;
  detail::Address addr;
  detail::ProgressState state;
  httplib::Server http;
  std::atomic<Readiness> readiness;
  int port = 0;
  std::thread listener;
  std::thread poller;
  std::mutex poll_m;
  std::condition_variable poll_cv;
  bool poll_stop = false;
  std::once_flag stopped;

  Impl(Options o, detail::Address a, std::filesystem::path dir)
      : opt(std::move(o)),
        addr(std::move(a)),
        state(std::move(dir), opt.scope, opt.stall_after, opt.clock),
        readiness(opt.initial_readiness) {}

  [[nodiscard]] bool authorized(const httplib::Request& req) const {
    if (opt.token.empty()) return true;
    const std::string auth = req.get_header_value("Authorization");
    constexpr std::string_view prefix = "Bearer ";
    if (auth.size() <= prefix.size() || auth.compare(0, prefix.size(), prefix) != 0) return false;
    return detail::constant_time_equal(std::string_view(auth).substr(prefix.size()), opt.token);
  }

  void healthz(httplib::Response& res) {
    state.refresh();
    const Health h = state.health();
    const double limit = std::chrono::duration<double>(opt.stall_after).count();
    if (h.ok) {
      set_json(res, 200, nlohmann::json{{"status", "ok"}}.dump());
      return;
    }
    const auto seconds = static_cast<std::int64_t>(h.stalled_seconds);
    nlohmann::json body{{"status", "stalled"},
                        {"operation", h.operation},
                        {"stalled_seconds", static_cast<double>(static_cast<std::int64_t>(h.stalled_seconds * 10)) / 10},
                        {"stall_after_seconds", limit},
                        {"reason", "operation '" + h.operation + "' has made no progress for " + std::to_string(seconds) +
                                       " s (limit " + std::to_string(static_cast<std::int64_t>(limit)) + " s)"}};
    set_json(res, 503, body.dump());
  }

  void readyz(httplib::Response& res) const {
    const Readiness r = readiness.load();
    set_json(res, r == Readiness::ready ? 200 : 503, nlohmann::json{{"status", readiness_name(r)}}.dump());
  }

  void metrics(httplib::Response& res) {
    state.refresh();
    res.status = 200;
    res.set_content(detail::merge_prometheus({state.prometheus(), detail::logging_metrics()}),
                    "text/plain; version=0.0.4; charset=utf-8");
  }

  void progress(httplib::Response& res) {
    state.refresh();
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : state.snapshots()) arr.push_back(s);
    set_json(res, 200, arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }

  void events(const httplib::Request& req, httplib::Response& res) const {
    log::Level level = log::Level::warning;
    std::size_t limit = 100;
    if (req.has_param("level")) {
      const std::string v = req.get_param_value("level");
      const auto parsed = log::parse_level(v);
      if (!parsed || *parsed < log::Level::warning || *parsed == log::Level::off) {
        set_json(res, 400, error_json("parameter 'level': '" + v + "' is not one of warning, error, critical"));
        return;
      }
      level = *parsed;
    }
    if (req.has_param("limit")) {
      const std::string v = req.get_param_value("limit");
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < 1 || n > max_events) {
        set_json(res, 400,
                 error_json("parameter 'limit': '" + v + "' is not a number from 1 to " + std::to_string(max_events)));
        return;
      }
      limit = n;
    }
    std::string body = "[";
    bool first = true;
    for (const std::string& line : log::recent_events(level, limit)) {
      if (!first) body += ',';
      body += line;
      first = false;
    }
    body += ']';
    set_json(res, 200, body);
  }

  httplib::Server::HandlerResponse route(const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    const std::string& path = req.path;
    static constexpr std::string_view known[] = {"/", "/healthz", "/readyz", "/metrics", "/progress", "/events"};
    if (std::find(std::begin(known), std::end(known), path) == std::end(known)) {
      set_json(res, 404, error_json("no such path: " + path));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      res.set_header("Allow", "GET, HEAD");
      res.set_header("Connection", "close");
      set_json(res, 405, error_json("method " + req.method + " not allowed on " + path + " (use GET)"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0") {
      res.set_header("Connection", "close");
      set_json(res, 400, error_json("a GET request has no body"));
      return httplib::Server::HandlerResponse::Handled;
    }
    // The page itself holds no data; it reads its token from the URL fragment.
    if (path != "/healthz" && path != "/" && !authorized(req)) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"leadscout\"");
      set_json(res, 401, error_json("missing or wrong bearer token"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (path == "/healthz") {
      healthz(res);
    } else if (path == "/readyz") {
      readyz(res);
    } else if (path == "/metrics") {
      metrics(res);
    } else if (path == "/progress") {
      progress(res);
    } else if (path == "/events") {
      events(req, res);
    } else {
      res.status = 200;
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                     "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'");
      const std::string_view page = dashboard_html();
      res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
    }
    return httplib::Server::HandlerResponse::Handled;
  }

  void poll_loop() {
    std::unique_lock lock(poll_m);
    while (!poll_stop) {
      lock.unlock();
      state.refresh();
      lock.lock();
      poll_cv.wait_for(lock, opt.poll_interval, [&] { return poll_stop; });
    }
  }
};

Server::Server(Options options) {
  const detail::Address addr = detail::parse_address(options.address, "monitor address");
  if (!detail::is_loopback(addr.host) && options.token.empty()) {
    throw leadscout::Error("refusing to serve monitoring on non-loopback address '" + options.address +
                "' without a token: set LEADSCOUT_HTTP_TOKEN (or Options::token), or listen on 127.0.0.1");
  }
  std::filesystem::path dir = options.progress_dir.empty() ? batch::default_progress_dir() : options.progress_dir;
  impl_ = std::make_unique<Impl>(std::move(options), addr, std::move(dir));
  Impl& im = *impl_;

  const std::size_t threads = im.opt.threads;
  const std::size_t queued = im.opt.max_queued_connections;
  im.http.new_task_queue = [threads, queued] { return new BoundedPool(threads, queued); };
  const auto io = static_cast<time_t>(std::max<std::int64_t>(im.opt.io_timeout.count(), 1));
  im.http.set_read_timeout(io, 0);
  im.http.set_write_timeout(io, 0);
  im.http.set_keep_alive_timeout(io);
  im.http.set_keep_alive_max_count(100);
  im.http.set_payload_max_length(im.opt.max_body_bytes);
  im.http.set_pre_routing_handler([&im](const httplib::Request& req, httplib::Response& res) { return im.route(req, res); });
  im.http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    // httplib's own rejections (413, 414, 431, bad request lines) become a plain 400.
    if (res.status == 413 || res.status == 414 || res.status == 431) res.status = 400;
    if (res.body.empty()) set_json(res, res.status, error_json(res.status == 400 ? "bad request" : "error"));
    return httplib::Server::HandlerResponse::Handled;
  }));
  im.http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    set_json(res, 500, error_json("internal error"));
  });

  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second process
  // bind the same port silently.
  im.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof yes);
  });
  errno = 0;
  if (im.addr.port == 0) {
    im.port = im.http.bind_to_any_port(im.addr.host);
    if (im.port <= 0) im.port = 0;
  } else if (im.http.bind_to_port(im.addr.host, im.addr.port)) {
    im.port = im.addr.port;
  }
  if (im.port == 0) {
    const int err = errno;
    throw leadscout::Error("cannot listen on " + im.opt.address + (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
  }
  im.listener = std::thread([&im] { im.http.listen_after_bind(); });
  // stop() only takes effect once the accept loop runs.
  for (int i = 0; i < 5000 && !im.http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  im.state.refresh();
  if (im.opt.poll_interval.count() > 0) im.poller = std::thread([&im] { im.poll_loop(); });
}

Server::~Server() { stop(); }

int Server::port() const noexcept { return impl_->port; }

std::string Server::address() const {
  const std::string& h = impl_->addr.host;
  return (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(impl_->port);
}

void Server::set_readiness(Readiness readiness) noexcept { impl_->readiness.store(readiness); }

Readiness Server::readiness() const noexcept { return impl_->readiness.load(); }

void Server::refresh() { impl_->state.refresh(); }

void Server::stop() noexcept {
  Impl& im = *impl_;
  std::call_once(im.stopped, [&im] {
    im.readiness.store(Readiness::stopping);
    {
      std::lock_guard lock(im.poll_m);
      im.poll_stop = true;
    }
    im.poll_cv.notify_all();
    if (im.poller.joinable()) im.poller.join();
    im.http.stop();
    if (im.listener.joinable()) im.listener.join();
  });
}

std::unique_ptr<Server> serve(std::string_view address, Options options) {
  options.address = std::string(address);
  return std::make_unique<Server>(std::move(options));
}

std::unique_ptr<Server> serve_from_env(Options base) {
  std::optional<Options> opt = options_from_env(std::move(base));
  if (!opt) return nullptr;
  return std::make_unique<Server>(std::move(*opt));
}

}  // namespace leadscout::monitor
