// Provider quotas through leadscout::monitor: /progress carries each operation's `quotas`
// object as the progress file has it, and the dashboard page holds the quota panel.
#include <httplib.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "leadscout/batch.hpp"
#include "leadscout/monitor.hpp"
#include "monitor_test_utils.hpp"
#include "utils.hpp"

namespace lt = leadscout::test;
namespace lm = leadscout::monitor;
namespace lb = leadscout::batch;
using namespace std::chrono_literals;

namespace {

lb::QuotaReport openai_quota() {
  lb::QuotaReport q;
  q.configured_rpm = 500;
  q.learned_tpm = 200000;
  q.requests_last_minute = 120;
  q.tokens_last_minute = 48000;
  q.in_flight = 6;
  q.in_flight_limit = 16;
  q.cooldown_seconds = 4.5;
  q.cooldown_until = 1751797819.5;
  q.rate_limited_total = 7;
  q.granted_total = 310;
  q.waiting = 2;
  q.tokens_total = 150000;
  q.spent_usd = 4.1;
  q.reserved_usd = 0.02;
  q.budget_usd = 5.0;
  return q;
}

lm::Options options(const std::filesystem::path& dir) {
  lm::Options o;
  o.address = "127.0.0.1:0";
  o.progress_dir = dir;
  o.poll_interval = 0ms;
  o.scope = lm::Scope::all;
  return o;
}

nlohmann::json get_progress(const lm::Server& server, const httplib::Headers& headers = {}) {
  httplib::Client c("127.0.0.1", server.port());
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(5, 0);
  auto r = c.Get("/progress", headers);
  if (!r || r->status != 200) return nullptr;
  return nlohmann::json::parse(r->body);
}

}  // namespace

TEST(MonitorQuotas, ProgressCarriesEveryQuotaFigure) {
  lt::TempDir dir;
  auto with = lt::monitor::snapshot("classify", 40, 100);
  with.quotas["openai"] = openai_quota();
  lt::monitor::write_progress(dir.path(), with);
  lt::monitor::write_progress(dir.path(), lt::monitor::snapshot("plain", 3, 10));

  lm::Server server(options(dir.path()));
  const auto j = get_progress(server);
  ASSERT_TRUE(j.is_array()) << j;
  ASSERT_EQ(j.size(), 2U);
  const auto& q = j[0]["quotas"]["openai"];
  EXPECT_EQ(q["configured"]["requests_per_minute"], 500.0);
  EXPECT_TRUE(q["configured"]["tokens_per_minute"].is_null());
  EXPECT_EQ(q["configured"]["max_in_flight"], "auto");
  EXPECT_EQ(q["learned"]["tokens_per_minute"], 200000.0);
  EXPECT_EQ(q["requests_last_minute"], 120.0);
  EXPECT_EQ(q["tokens_last_minute"], 48000.0);
  EXPECT_EQ(q["in_flight"], 6);
  EXPECT_EQ(q["in_flight_limit"], 16);
  EXPECT_EQ(q["cooldown_until"], 1751797819.5);
  EXPECT_EQ(q["rate_limited_total"], 7);
  EXPECT_EQ(q["waiting"], 2);
  EXPECT_EQ(q["spent_usd"], 4.1);
  EXPECT_EQ(q["budget_usd"], 5.0);
  EXPECT_EQ(q["budget_exhausted"], false);
  // The endpoint serves the progress-file schema: it reads back into the same report.
  const auto back = j[0].get<lb::ProgressSnapshot>().quotas.at("openai");
  EXPECT_EQ(back.rate_limited_total, 7U);
  EXPECT_DOUBLE_EQ(back.spent_usd, 4.1);
  EXPECT_DOUBLE_EQ(*back.cooldown_until, 1751797819.5);
  // A run without quotas has an empty object, which the dashboard shows as nothing.
  EXPECT_EQ(j[1]["quotas"], nlohmann::json::object());
}

TEST(MonitorQuotas, TheTokenGuardsTheQuotasLikeEveryOtherFigure) {
  lt::TempDir dir;
  auto s = lt::monitor::snapshot("classify", 40, 100);
  s.quotas["openai"] = openai_quota();
  lt::monitor::write_progress(dir.path(), s);
  auto o = options(dir.path());
  o.token = "s3cret-token";
  lm::Server server(o);
  EXPECT_TRUE(get_progress(server).is_null());
  const auto j = get_progress(server, {{"Authorization", "Bearer s3cret-token"}});
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j[0]["quotas"]["openai"]["spent_usd"], 4.1);
  EXPECT_EQ(j.dump().find("s3cret-token"), std::string::npos);
}

TEST(MonitorQuotas, TheDashboardHoldsTheQuotaPanelInsideItsOneStyleAndScript) {
  const std::string page(lm::dashboard_html());
  const auto style_end = page.find("</style>");
  const auto script = page.find("<script>");
  ASSERT_NE(style_end, std::string::npos);
  ASSERT_NE(script, std::string::npos);
  EXPECT_LT(page.find(".quotas {"), style_end);
  EXPECT_GT(page.find("function quotaPanel("), script);
  EXPECT_GT(page.find("function rateLimitMarks("), script);
  EXPECT_LT(page.find("function quotaPanel("), page.find("</script>"));
  EXPECT_EQ(page.rfind("</html>\n"), page.size() - 8);
  EXPECT_EQ(page.find('\0'), std::string::npos);
}
