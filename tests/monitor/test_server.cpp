// Every endpoint and status code of leadscout::monitor, over real loopback HTTP.
#include <httplib.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <regex>
#include <set>
#include <thread>
#include <type_traits>
#include <vector>

#include "leadscout/batch.hpp"
#include "leadscout/log.hpp"
#include "leadscout/monitor.hpp"
#include "monitor_test_utils.hpp"
#include "utils.hpp"

namespace lt = leadscout::test;

namespace lm = leadscout::monitor;
namespace lb = leadscout::batch;
using namespace std::chrono_literals;
using lt::monitor::snapshot;
using lt::monitor::write_progress;

namespace {

struct Fixture {
  leadscout::test::TempDir dir;
  lt::monitor::ManualClock clock;

  lm::Options options() {
    lm::Options o;
    o.address = "127.0.0.1:0";
    o.progress_dir = dir.path();
    o.poll_interval = 0ms;  // refresh() and requests only
    o.stall_after = 60s;
    o.clock = [this] { return clock.now(); };
    return o;
  }
};

httplib::Client client(const lm::Server& s) {
  httplib::Client c("127.0.0.1", s.port());
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(5, 0);
  return c;
}

int status(httplib::Client& c, const std::string& path, const httplib::Headers& h = {}) {
  auto r = c.Get(path.c_str(), h);
  return r ? r->status : 0;
}

nlohmann::json body_json(const httplib::Result& r) { return nlohmann::json::parse(r->body); }

}  // namespace

TEST(MonitorServer, HealthzIsOkWhileOperationsProgressAndNamesTheStalledOne) {
  Fixture f;
  write_progress(f.dir.path(), snapshot("classify", 10, 100));
  write_progress(f.dir.path(), snapshot("done_before", 5, 5, lb::Status::completed));
  lm::Server server(f.options());
  auto c = client(server);

  auto r = c.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_json(r)["status"], "ok");
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");

  // Progress within the limit keeps it healthy.
  f.clock.advance(50s);
  write_progress(f.dir.path(), snapshot("classify", 11, 100));
  server.refresh();
  f.clock.advance(50s);
  EXPECT_EQ(status(c, "/healthz"), 200);

  // No change for longer than stall_after: 503 naming the operation; the completed one never stalls.
  f.clock.advance(15s);
  r = c.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  const auto j = body_json(r);
  EXPECT_EQ(j["status"], "stalled");
  EXPECT_EQ(j["operation"], "classify");
  EXPECT_NEAR(j["stalled_seconds"].get<double>(), 65.0, 0.2);
  EXPECT_EQ(j["stall_after_seconds"].get<double>(), 60.0);
  EXPECT_NE(j["reason"].get<std::string>().find("'classify' has made no progress for 65 s"), std::string::npos)
      << j.dump();

  // Progress again: healthy again.
  write_progress(f.dir.path(), snapshot("classify", 12, 100));
  server.refresh();
  EXPECT_EQ(status(c, "/healthz"), 200);

  // A finished run is not stalled however long it sits there.
  write_progress(f.dir.path(), snapshot("classify", 100, 100, lb::Status::completed));
  server.refresh();
  f.clock.advance(1h);
  EXPECT_EQ(status(c, "/healthz"), 200);
}

TEST(MonitorServer, ReadyzFollowsStartingReadyStoppingAndStopClosesThePort) {
  Fixture f;
  lm::Server server(f.options());
  auto c = client(server);
  auto r = c.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body_json(r)["status"], "starting");
  server.set_readiness(lm::Readiness::ready);
  r = c.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_json(r)["status"], "ready");
  server.set_readiness(lm::Readiness::stopping);
  r = c.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body_json(r)["status"], "stopping");

  const int port = server.port();
  server.stop();
  EXPECT_EQ(server.readiness(), lm::Readiness::stopping);
  EXPECT_EQ(lt::monitor::connect_raw(port), -1);
  server.stop();  // idempotent
}

TEST(MonitorServer, ProgressServesSnapshotsOfThisProcessOrOfTheWholeDirectory) {
  Fixture f;
  write_progress(f.dir.path(), snapshot("mine", 3, 10));
  auto other = snapshot("other_process", 7, 10);
  other.pid = 1;  // init, never us
  write_progress(f.dir.path(), other);
  lt::monitor::write_text(f.dir.path() / "batch-status.json", R"({"not":"a progress file"})");
  lt::monitor::write_text(f.dir.path() / "garbage.json", "{");

  lm::Server mine(f.options());
  auto c = client(mine);
  auto r = c.Get("/progress");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  auto j = body_json(r);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1U);
  const auto s = j[0].get<lb::ProgressSnapshot>();  // the progress-file schema
  EXPECT_EQ(s.operation, "mine");
  EXPECT_EQ(s.processed, 3U);

  auto o = f.options();
  o.scope = lm::Scope::all;
  lm::Server all(o);
  auto c2 = client(all);
  r = c2.Get("/progress");
  ASSERT_TRUE(r);
  j = body_json(r);
  ASSERT_EQ(j.size(), 2U);
  EXPECT_EQ(j[0]["operation"], "mine");
  EXPECT_EQ(j[1]["operation"], "other_process");
}

TEST(MonitorServer, MetricsMergeThePromFilesAndAddTheLoggingOnes) {
  Fixture f;
  const std::string prom_a =
      "# HELP leadscout_batch_items_total Items.\n# TYPE leadscout_batch_items_total counter\n"
      "leadscout_batch_items_total{operation=\"a\",outcome=\"succeeded\"} 3\n"
      "# HELP leadscout_batch_item_duration_seconds Durations.\n"
      "# TYPE leadscout_batch_item_duration_seconds histogram\n"
      "leadscout_batch_item_duration_seconds_bucket{operation=\"a\",le=\"+Inf\"} 3\n"
      "leadscout_batch_item_duration_seconds_sum{operation=\"a\"} 0.5\n"
      "leadscout_batch_item_duration_seconds_count{operation=\"a\"} 3\n";
  std::string prom_b = prom_a;
  for (std::size_t p; (p = prom_b.find("operation=\"a\"")) != std::string::npos;) prom_b.replace(p, 13, "operation=\"b\"");
  write_progress(f.dir.path(), snapshot("a", 3, 10));
  write_progress(f.dir.path(), snapshot("b", 3, 10));
  lt::monitor::write_text(f.dir.path() / "a.prom", prom_a);
  lt::monitor::write_text(f.dir.path() / "b.prom", prom_b);

  lm::Server server(f.options());
  auto c = client(server);
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");

  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? [-+]?([0-9.eE+-]+|Inf|NaN)$)");
  const std::regex comment(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$)");
  std::multiset<std::string> help, type;
  std::vector<std::string> family_order;  // every family must be one contiguous group
  int samples = 0;
  for (const std::string& line : leadscout::test::split_lines(r->body)) {
    std::smatch m;
    if (std::regex_match(line, m, comment)) {
      (m[1] == "HELP" ? help : type).insert(m[2]);
      if (family_order.empty() || family_order.back() != m[2]) family_order.push_back(m[2]);
      continue;
    }
    EXPECT_TRUE(std::regex_match(line, sample)) << "not a sample line: " << line;
    ++samples;
  }
  for (const auto& name : help) EXPECT_EQ(help.count(name), 1U) << name;
  for (const auto& name : type) EXPECT_EQ(type.count(name), 1U) << name;
  EXPECT_EQ(std::set<std::string>(family_order.begin(), family_order.end()).size(), family_order.size());
  EXPECT_EQ(samples, 8 + 6 + 3);  // 2 × 4 batch samples, 6 levels, dropped, sink errors, build info

  const std::string& b = r->body;
  const auto items = b.find("# TYPE leadscout_batch_items_total counter");
  EXPECT_NE(b.find("leadscout_batch_items_total{operation=\"b\",outcome=\"succeeded\"} 3"), std::string::npos);
  EXPECT_LT(items, b.find("leadscout_batch_items_total{operation=\"b\""));
  EXPECT_LT(b.find("leadscout_batch_items_total{operation=\"b\""), b.find("# HELP leadscout_batch_item_duration_seconds"));
  EXPECT_NE(b.find("leadscout_log_events_total{level=\"warning\"} "), std::string::npos);
  EXPECT_NE(b.find("leadscout_log_dropped_events_total 0"), std::string::npos);
  EXPECT_NE(b.find("leadscout_log_sink_errors_total 0"), std::string::npos);
  EXPECT_NE(b.find("leadscout_build_info{version=\"" LEADSCOUT_VERSION_STRING "\"} 1"), std::string::npos);
}

TEST(MonitorServer, EventsAreNewestFirstAndTheParametersAreValidated) {
  Fixture f;
  leadscout::log::Config cfg;
  cfg.dir = f.dir.path() / "logs";
  cfg.console = leadscout::log::ConsoleMode::off;
  cfg.async = false;
  leadscout::log::init(cfg);
  auto lg = leadscout::log::get("monitor_test");
  lg.warning("first warning", {{"n", 1}});
  lg.error("an error", {{"n", 2}});
  lg.info("not recent");
  lg.warning("second warning", {{"n", 3}});
  leadscout::log::flush();

  lm::Server server(f.options());
  auto c = client(server);
  auto r = c.Get("/events");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  auto j = body_json(r);
  ASSERT_EQ(j.size(), 3U) << j.dump();
  EXPECT_EQ(j[0]["event"], "second warning");
  EXPECT_EQ(j[1]["event"], "an error");
  EXPECT_EQ(j[2]["event"], "first warning");

  r = c.Get("/events?level=error&limit=100");
  ASSERT_TRUE(r);
  j = body_json(r);
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["level"], "error");
  r = c.Get("/events?level=warning&limit=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(body_json(r).size(), 1U);

  for (const char* bad : {"/events?level=info", "/events?level=loud", "/events?level=", "/events?level=off"}) {
    r = c.Get(bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_NE(body_json(r)["error"].get<std::string>().find("parameter 'level'"), std::string::npos) << bad;
  }
  for (const char* bad : {"/events?limit=0", "/events?limit=abc", "/events?limit=100000", "/events?limit=-1",
                          "/events?limit=5x", "/events?limit="}) {
    r = c.Get(bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_NE(body_json(r)["error"].get<std::string>().find("parameter 'limit'"), std::string::npos) << bad;
  }
  leadscout::log::shutdown();
}

TEST(MonitorServer, UnknownPathsWrongMethodsAndBadRequestsAreRejected) {
  Fixture f;
  lm::Server server(f.options());
  auto c = client(server);
  EXPECT_EQ(status(c, "/nope"), 404);
  EXPECT_EQ(status(c, "/healthz/extra"), 404);
  EXPECT_EQ(status(c, "/../etc/passwd"), 404);
  EXPECT_EQ(status(c, "/index.html"), 404);

  auto r = c.Post("/healthz", "x", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "GET, HEAD");
  r = c.Delete("/progress");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  r = c.Head("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);  // HEAD works like GET

  const int port = server.port();
  using lt::monitor::raw_exchange;
  using lt::monitor::status_of;
  EXPECT_EQ(status_of(raw_exchange(port, "GARBAGE\r\n\r\n")), 400);
  EXPECT_EQ(status_of(raw_exchange(port, "GET /healthz HTTP/1.1 extra words\r\n\r\n")), 400);
  EXPECT_EQ(status_of(raw_exchange(port, "GET /" + std::string(10000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n")), 400);
  EXPECT_EQ(status_of(raw_exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'b') +
                                             "\r\n\r\n")),
            400);
  EXPECT_EQ(status_of(raw_exchange(port, "GET /progress HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc")),
            400);
  EXPECT_EQ(status_of(raw_exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")), 200);
  // Still serving after all that.
  EXPECT_EQ(status(c, "/healthz"), 200);
}

TEST(MonitorServer, TokenProtectsEveryDataPathButHealthz) {
  Fixture f;
  auto o = f.options();
  o.token = "s3cret-token";
  lm::Server server(o);
  server.set_readiness(lm::Readiness::ready);
  auto c = client(server);
  const httplib::Headers good{{"Authorization", "Bearer s3cret-token"}};
  for (const char* path : {"/readyz", "/metrics", "/progress", "/events"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"leadscout\"");
    for (const char* wrong : {"Bearer s3cret-tokeN", "Bearer s3cret-token2", "Bearer s3cret", "Bearer ",
                              "Basic czNjcmV0LXRva2Vu", "s3cret-token"}) {
      EXPECT_EQ(status(c, path, {{"Authorization", wrong}}), 401) << path << " " << wrong;
    }
    EXPECT_EQ(status(c, path, good), 200) << path;
  }
  EXPECT_EQ(status(c, "/healthz"), 200);
  EXPECT_EQ(status(c, "/"), 200);  // the page holds no data; it sends the token itself
  EXPECT_EQ(status(c, "/missing"), 404);
}

TEST(MonitorServer, AddressesAndEnvironmentAreValidated) {
  Fixture f;
  auto o = f.options();
  o.address = "0.0.0.0:0";
  try {
    lm::Server s(o);
    FAIL() << "a non-loopback address without a token must be refused";
  } catch (const lm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'0.0.0.0:0' without a token"), std::string::npos) << e.what();
  }
  for (const char* bad : {"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:http", ":9464", "::1:9464", "[::1]9464"}) {
    o.address = bad;
    EXPECT_THROW(lm::Server{o}, lm::Error) << bad;
  }

  ::unsetenv("LEADSCOUT_HTTP");
  EXPECT_FALSE(lm::options_from_env().has_value());
  EXPECT_EQ(lm::serve_from_env(), nullptr);
  ::setenv("LEADSCOUT_HTTP", "9465", 1);
  auto env = lm::options_from_env();
  ASSERT_TRUE(env);
  EXPECT_EQ(env->address, "127.0.0.1:9465");
  ::setenv("LEADSCOUT_HTTP", "localhost:0", 1);
  ::setenv("LEADSCOUT_HTTP_TOKEN", "tok", 1);
  ::setenv("LEADSCOUT_HTTP_STALL_SECONDS", "90", 1);
  env = lm::options_from_env(f.options());
  ASSERT_TRUE(env);
  EXPECT_EQ(env->address, "localhost:0");
  EXPECT_EQ(env->token, "tok");
  EXPECT_EQ(env->stall_after, 90s);
  EXPECT_EQ(env->progress_dir, f.dir.path());
  auto served = lm::serve_from_env(f.options());
  ASSERT_NE(served, nullptr);
  EXPECT_GT(served->port(), 0);
  served->stop();

  auto expect_env_error = [](const char* var, const char* value, const std::string& needle) {
    ::setenv(var, value, 1);
    try {
      (void)lm::options_from_env();
      ADD_FAILURE() << var << "=" << value << " accepted";
    } catch (const lm::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  ::setenv("LEADSCOUT_HTTP_STALL_SECONDS", "60", 1);
  expect_env_error("LEADSCOUT_HTTP", "abc", "LEADSCOUT_HTTP='abc'");
  expect_env_error("LEADSCOUT_HTTP", "127.0.0.1:abc", "LEADSCOUT_HTTP='127.0.0.1:abc'");
  expect_env_error("LEADSCOUT_HTTP", "127.0.0.1:70000", "0 to 65535");
  ::setenv("LEADSCOUT_HTTP", "127.0.0.1:0", 1);
  expect_env_error("LEADSCOUT_HTTP_STALL_SECONDS", "soon", "LEADSCOUT_HTTP_STALL_SECONDS='soon'");
  expect_env_error("LEADSCOUT_HTTP_STALL_SECONDS", "0", "LEADSCOUT_HTTP_STALL_SECONDS='0'");
}

TEST(MonitorServer, PortInUseIsAClearError) {
  Fixture f;
  lm::Server first(f.options());
  auto o = f.options();
  o.address = "127.0.0.1:" + std::to_string(first.port());
  try {
    lm::Server second(o);
    FAIL() << "the port is taken";
  } catch (const lm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
              std::string::npos)
        << e.what();
  }
}

TEST(MonitorServer, DashboardIsOneSelfContainedPage) {
  Fixture f;
  lm::Server server(f.options());
  auto c = client(server);
  auto r = c.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(r->body, lm::dashboard_html());
  // Nothing is loaded from elsewhere: the only absolute URL is the SVG namespace name.
  std::string page = r->body;
  for (std::size_t p; (p = page.find("http://www.w3.org/2000/svg")) != std::string::npos;) page.erase(p, 26);
  EXPECT_EQ(page.find("http:"), std::string::npos);
  EXPECT_EQ(page.find("https:"), std::string::npos);
  EXPECT_EQ(page.find("//cdn"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  for (const char* needle : {"/progress", "/events?level=warning", "#token=", "Authorization", "The process is gone"}) {
    EXPECT_NE(page.find(needle), std::string::npos) << needle;
  }
}

TEST(MonitorServer, HangingClientsStallNeitherTheBatchNorShutdown) {
  Fixture f;
  auto o = f.options();
  o.poll_interval = 50ms;
  o.clock = nullptr;
  o.io_timeout = 1s;
  o.threads = 2;
  o.max_queued_connections = 8;
  lm::Server server(o);
  server.set_readiness(lm::Readiness::ready);

  // 20 connections that never send a byte: more than the pool and its queue hold (10), and
  // each holds a thread for io_timeout.
  std::vector<int> sockets;
  for (int i = 0; i < 20; ++i) {
    const int fd = lt::monitor::connect_raw(server.port());
    if (fd >= 0) sockets.push_back(fd);
  }
  EXPECT_GE(sockets.size(), 10U);

  struct Item {
    int id;
  };
  std::vector<Item> items;
  for (int i = 0; i < 300; ++i) items.push_back({i});
  lb::Options bo;
  bo.operation = "hanging_clients";
  bo.progress_dir = f.dir.path();
  bo.concurrency = 4;
  bo.handle_signals = false;
  bo.progress_bar = lb::ProgressBarMode::off;
  bo.progress_interval = 10ms;
  lb::BackgroundProcessor<Item, int> proc(bo);
  const auto t0 = std::chrono::steady_clock::now();
  auto summary = proc.run(std::span<const Item>(items), [](const Item& it, lb::Context&) -> lb::Outcome<int> {
    return it.id;
  });
  const auto batch_time = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(summary.status, lb::Status::completed);
  EXPECT_EQ(summary.succeeded, 300U);
  EXPECT_LT(batch_time, 20s);

  // The operation shows up as completed once the hanging connections time out.
  server.refresh();
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(30, 0);
  c.set_connection_timeout(30, 0);
  auto r = c.Get("/progress");
  ASSERT_TRUE(r);
  auto j = body_json(r);
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["status"], "completed");

  // More hanging connections, then stop: it returns within about io_timeout.
  for (int i = 0; i < 50; ++i) {
    const int fd = lt::monitor::connect_raw(server.port());
    if (fd >= 0) sockets.push_back(fd);
  }
  const auto s0 = std::chrono::steady_clock::now();
  server.stop();
  const auto stop_time = std::chrono::steady_clock::now() - s0;
  EXPECT_LT(stop_time, 4s) << std::chrono::duration<double>(stop_time).count() << " s";
  for (int fd : sockets) ::close(fd);
}

namespace {
/// A loopback port that was free a moment ago.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}
}  // namespace

TEST(MonitorAttach, TheProcessorServesWhileItRunsAndReadinessFollowsTheRun) {
  leadscout::test::TempDir dir;
  const int port = free_port();
  struct Item {
    int id;
  };
  std::vector<Item> items;
  for (int i = 0; i < 50; ++i) items.push_back({i});
  lb::Options bo;
  bo.operation = "attached";
  bo.progress_dir = dir.path();
  bo.concurrency = 2;
  bo.handle_signals = false;
  bo.progress_bar = lb::ProgressBarMode::off;
  bo.progress_interval = 10ms;
  lm::attach(bo, "127.0.0.1:" + std::to_string(port));
  std::optional<lb::BackgroundProcessor<Item, int>> proc(std::in_place, bo);
  std::atomic<int> ready_status{0};
  auto summary = proc->run(std::span<const Item>(items), [&](const Item& it, lb::Context&) -> lb::Outcome<int> {
    if (it.id == 10) {
      httplib::Client c("127.0.0.1", port);
      if (auto r = c.Get("/readyz")) ready_status = r->status;
    }
    return it.id;
  });
  EXPECT_EQ(summary.status, lb::Status::completed);
  EXPECT_EQ(ready_status.load(), 200) << "ready while items run";

  httplib::Client c("127.0.0.1", port);
  auto ready = c.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503) << "stopping once the run has ended";
  auto progress = c.Get("/progress");
  ASSERT_TRUE(progress);
  const auto j = body_json(progress);
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["status"], "completed") << "the final state stays visible";

  bo.on_phase = nullptr;
  proc.reset();  // the last copy of the hook goes with the processor, and the server with it
  EXPECT_LT(lt::monitor::connect_raw(port), 0);
}

TEST(MonitorAttach, AnEndpointThatCannotStartFailsRunWithALeadscoutError) {
  static_assert(std::is_base_of_v<leadscout::Error, lm::Error>);
  static_assert(std::is_same_v<lm::Error, leadscout::Error>, "one error type; the old name still compiles");
  leadscout::test::TempDir dir;
  struct Item {
    int id;
  };
  const std::vector<Item> items{{1}, {2}, {3}};
  // Runs a processor serving on `address` and returns the message of the leadscout::Error it throws.
  auto setup_error = [&](const std::string& address) -> std::string {
    lb::Options bo;
    bo.operation = "unservable";
    bo.progress_dir = dir.path();
    bo.handle_signals = false;
    bo.progress_bar = lb::ProgressBarMode::off;
    lm::attach(bo, address);
    try {
      lb::BackgroundProcessor<Item, int> proc(bo);
      (void)proc.run(std::span<const Item>(items), [](const Item& v, lb::Context&) -> lb::Outcome<int> { return v.id; });
    } catch (const leadscout::Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "run() did not throw a leadscout::Error for " << address;
    return {};
  };

  auto taken = lm::serve("127.0.0.1:0");
  EXPECT_NE(setup_error(taken->address()).find(taken->address()), std::string::npos) << "an occupied port";
  EXPECT_NE(setup_error("127.0.0.1:notaport").find("notaport"), std::string::npos) << "a bad address";
  ::setenv("LEADSCOUT_HTTP", "nowhere", 1);
  EXPECT_NE(setup_error("").find("LEADSCOUT_HTTP"), std::string::npos) << "a bad LEADSCOUT_HTTP";
  ::unsetenv("LEADSCOUT_HTTP");
}

TEST(MonitorAttach, WithoutAddressOrLeadscoutHttpNothingListens) {
  ::unsetenv("LEADSCOUT_HTTP");
  leadscout::test::TempDir dir;
  lb::Options bo;
  bo.operation = "quiet";
  bo.progress_dir = dir.path();
  bo.handle_signals = false;
  bo.progress_bar = lb::ProgressBarMode::off;
  lm::attach(bo);
  struct Item {
    int id;
  };
  std::vector<Item> items{{1}, {2}, {3}};
  lb::BackgroundProcessor<Item, int> proc(bo);
  auto summary = proc.run(std::span<const Item>(items), [](const Item& v, lb::Context&) -> lb::Outcome<int> { return v.id; });
  EXPECT_EQ(summary.status, lb::Status::completed);
  EXPECT_LT(lt::monitor::connect_raw(9464), 0) << "nothing on the default port";
}
