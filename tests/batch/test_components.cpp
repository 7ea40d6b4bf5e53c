// The parts of the batch engine on their own: journal, progress files, Prometheus text,
// rate limiter, backoff, estimator, shards, progress bar, export.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <random>
#include <regex>
#include <thread>

#include "journal/digest_index.hpp"
#include "output/estimator.hpp"
#include "output/files.hpp"
#include "journal/journal.hpp"
#include "journal/journal_record.hpp"
#include "output/progress_bar.hpp"
#include "quota/rate_limiter.hpp"
#include "engine/retry.hpp"
#include "engine/signals.hpp"

#include "batch_test_utils.hpp"

using namespace leadscout::test::batch;
using namespace std::chrono_literals;
namespace lbd = leadscout::batch::detail;

namespace {

lbd::JournalHeader header_for(std::initializer_list<std::string_view> ids) {
  lbd::Fingerprint fp;
  for (auto id : ids) fp.add(id);
  return lbd::JournalHeader{"op", fp.hex(), ids.size(), "2025-07-06T10:30:15.000Z", std::nullopt};
}

std::string record_line(std::string_view id, std::string_view result = "{\"x\":1}") {
  std::string line;
  lbd::format_record(line, id, true, 1, 12.5, result, {}, {});
  return line;
}

std::vector<std::string> replay(const fs::path& path, const lbd::JournalHeader& h, lbd::JournalOpenReport* report = nullptr,
                                bool fresh = false) {
  std::vector<std::string> ids;
  lbd::Journal j;
  auto r = j.open(path, h, fresh, [&](const lbd::JournalRecord& rec) { ids.emplace_back(rec.id); });
  if (report != nullptr) *report = r;
  return ids;
}

void append_raw(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::app);
  out << data;
}

}  // namespace

// ---- journal ----

TEST(BatchJournal, RecordsRoundTripWithHostileIds) {
  TempDir dir;
  const auto path = dir.path() / "j.jsonl";
  const std::string hostile = "a\"b\\c\nd\x01 \xff\xfe é";
  const auto h = header_for({"plain", hostile});
  {
    lbd::Journal j;
    EXPECT_FALSE(j.open(path, h, false, [](const lbd::JournalRecord&) {}).resumed);
    std::string line;
    lbd::format_record(line, "plain", true, 2, 1.5, "{\"label\":\"african\"}", {}, {{"african_businesses", 1}});
    lbd::format_record(line, hostile, false, 3, 30000.0, {}, "timeout \"x\"", {});
    EXPECT_EQ(j.append(line), 0);
  }
  for (const auto& line : read_lines(path)) {
    EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
  }
  lbd::Journal j;
  std::vector<nlohmann::json> seen;
  auto report = j.open(path, h, false, [&](const lbd::JournalRecord& r) {
    seen.push_back({{"id", r.id}, {"ok", r.ok}, {"attempts", r.attempts}, {"error", r.error}});
    if (r.ok) {
      EXPECT_EQ(nlohmann::json::parse(r.result)["label"], "african");
      ASSERT_EQ(r.metrics.size(), 1U);
      EXPECT_EQ(r.metrics[0].first, "african_businesses");
      EXPECT_EQ(r.metrics[0].second, 1);
    }
  });
  EXPECT_TRUE(report.resumed);
  EXPECT_EQ(report.records, 2U);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0]["attempts"], 2);
  EXPECT_EQ(seen[1]["ok"], false);
  EXPECT_EQ(seen[1]["error"], "timeout \"x\"");
  EXPECT_EQ(seen[1]["attempts"], 3);
}

TEST(BatchJournal, TornLastLineIsReportedAndCutOff) {
  TempDir dir;
  const auto path = dir.path() / "j.jsonl";
  const auto h = header_for({"a", "b", "c"});
  EXPECT_TRUE(replay(path, h).empty());
  append_raw(path, record_line("a") + record_line("b"));
  const auto good_size = fs::file_size(path);
  append_raw(path, R"({"id":"c","status":"ok","attem)");
  lbd::JournalOpenReport report;
  EXPECT_EQ(replay(path, h, &report), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(report.dropped_lines, 1U);
  EXPECT_NE(report.dropped_detail.find("torn"), std::string::npos) << report.dropped_detail;
  EXPECT_EQ(fs::file_size(path), good_size);
  // Appending after the cut gives clean lines again.
  append_raw(path, record_line("c"));
  EXPECT_EQ(replay(path, h, &report), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(report.dropped_lines, 0U);
}

TEST(BatchJournal, CorruptLastLineIsCutAndTornMiddleLineRecoversTheNextRecord) {
  TempDir dir;
  const auto path = dir.path() / "j.jsonl";
  const auto h = header_for({"a", "b", "c"});
  (void)replay(path, h);
  // A write torn mid-line directly followed by the next complete record, then garbage.
  append_raw(path, record_line("a") + R"({"id":"b","sta)" + record_line("c") + "garbage\n");
  lbd::JournalOpenReport report;
  EXPECT_EQ(replay(path, h, &report), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(report.dropped_lines, 2U);
  EXPECT_EQ(read_file(path).find("garbage"), std::string::npos);
}

TEST(BatchJournal, AnotherInputIsAClearErrorAndFreshStartsOver) {
  TempDir dir;
  const auto path = dir.path() / "j.jsonl";
  (void)replay(path, header_for({"a", "b"}));
  append_raw(path, record_line("a"));
  try {
    (void)replay(path, header_for({"a", "b", "c"}));
    FAIL();
  } catch (const lb::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("different input"), std::string::npos) << what;
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
  }
  EXPECT_TRUE(replay(path, header_for({"a", "b", "c"}), nullptr, true).empty());
  EXPECT_EQ(read_lines(path).size(), 1U);
}

TEST(BatchJournal, SecondWriterIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "j.jsonl";
  const auto h = header_for({"a"});
  lbd::Journal first;
  (void)first.open(path, h, false, [](const lbd::JournalRecord&) {});
  const pid_t pid = ::fork();
  if (pid == 0) {
    try {
      (void)replay(path, h);
      ::_exit(0);
    } catch (const lb::Error& e) {
      ::_exit(std::string(e.what()).find("in use") != std::string::npos ? 7 : 1);
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

TEST(BatchJournal, CloseCutsThePreallocatedTail) {
  TempDir dir;
  const auto path = dir.path() / "j.jsonl";
  const auto h = header_for({"a", "b"});
  std::size_t written = 0;
  {
    lbd::Journal j;
    (void)j.open(path, h, false, [](const lbd::JournalRecord&) {});
    written = fs::file_size(path);
    const std::string lines = record_line("a") + record_line("b");
    ASSERT_EQ(j.append(lines), 0);
    written += lines.size();
    EXPECT_GT(fs::file_size(path), written);  // preallocated while open
  }
  EXPECT_EQ(fs::file_size(path), written);
  EXPECT_EQ(read_file(path).find('\0'), std::string::npos);
  lbd::JournalOpenReport report;
  EXPECT_EQ(replay(path, h, &report), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(report.dropped_lines, 0U);
}

TEST(BatchJournal, KilledWriterLosesNoAppendedLineAndLeavesNoPadding) {
  TempDir dir;
  const auto path = dir.path() / "j.jsonl";
  const auto h = header_for({"a", "b", "c"});
  const pid_t pid = ::fork();
  if (pid == 0) {
    lbd::Journal j;
    (void)j.open(path, h, false, [](const lbd::JournalRecord&) {});
    if (j.append(record_line("a")) != 0 || j.append(record_line("b")) != 0) ::_exit(1);
    ::kill(::getpid(), SIGKILL);  // no close, no sync: the lines are only in the page cache
    ::_exit(2);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  const std::string content = read_file(path);
  const auto end = content.rfind('\n') + 1;
  EXPECT_EQ(content.find_first_not_of('\0', end), std::string::npos) << "only NUL padding after the last line";
  EXPECT_GT(content.size(), end);
  lbd::JournalOpenReport report;
  EXPECT_EQ(replay(path, h, &report), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(report.dropped_lines, 0U) << report.dropped_detail;
  EXPECT_EQ(fs::file_size(path), end);
}

TEST(BatchJournal, TornLineBeforeThePaddingIsReportedAndCutOff) {
  TempDir dir;
  const auto path = dir.path() / "j.jsonl";
  const auto h = header_for({"a", "b"});
  (void)replay(path, h);
  append_raw(path, record_line("a"));
  const auto good_size = fs::file_size(path);
  append_raw(path, R"({"id":"b","status":"o)" + std::string(10000, '\0'));
  lbd::JournalOpenReport report;
  EXPECT_EQ(replay(path, h, &report), (std::vector<std::string>{"a"}));
  EXPECT_EQ(report.dropped_lines, 1U);
  EXPECT_NE(report.dropped_detail.find("torn"), std::string::npos) << report.dropped_detail;
  EXPECT_EQ(fs::file_size(path), good_size);
}

TEST(BatchJournal, ConcurrentAppendsAcrossManyMappingsKeepEveryLineWhole) {
  TempDir dir;
  const auto path = dir.path() / "j.jsonl";
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25000;  // ~10 MB: several 4 MiB mappings
  lbd::Fingerprint fp;
  std::vector<std::string> ids;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) ids.push_back("t" + std::to_string(t) + "-" + std::to_string(i));
  }
  for (const auto& id : ids) fp.add(id);
  const lbd::JournalHeader h{"op", fp.hex(), ids.size(), "2025-07-06T10:30:15.000Z", std::nullopt};
  {
    lbd::Journal j;
    (void)j.open(path, h, false, [](const lbd::JournalRecord&) {});
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          ASSERT_EQ(j.append(record_line(ids[static_cast<std::size_t>(t * kPerThread + i)],
                                         R"({"padding":")" + std::string(static_cast<std::size_t>(i % 300), 'x') + "\"}")),
                    0);
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  lbd::JournalOpenReport report;
  auto seen = replay(path, h, &report);
  EXPECT_EQ(report.dropped_lines, 0U) << report.dropped_detail;
  std::sort(seen.begin(), seen.end());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(seen, ids);
}

TEST(BatchJournal, DeletedJournalIsWrittenAnewAtItsPath) {
  TempDir dir;
  const auto path = dir.path() / "progress" / "j.jsonl";
  const auto h = header_for({"a", "b", "c"});
  lbd::Journal j;
  (void)j.open(path, h, false, [](const lbd::JournalRecord&) {});
  ASSERT_EQ(j.append(record_line("a")), 0);
  fs::remove_all(dir.path() / "progress");
  ASSERT_EQ(j.append(record_line("b")), 0);
  EXPECT_EQ(j.sync(), 0);
  const std::string notice = j.take_notice();
  EXPECT_NE(notice.find("written anew"), std::string::npos) << notice;
  EXPECT_EQ(j.take_notice(), "");
  ASSERT_TRUE(fs::exists(path));
  ASSERT_EQ(j.append(record_line("c")), 0);  // into the new file
  j.close();
  lbd::JournalOpenReport report;
  EXPECT_EQ(replay(path, h, &report), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(report.dropped_lines, 0U) << report.dropped_detail;
  EXPECT_TRUE(report.resumed);
}

// The hand-written record scanner must judge every line as a JSON parser does: compared with
// nlohmann::json on valid records, every torn prefix, and many random corruptions.
namespace {

struct Judged {
  bool ok = false;
  std::string id;
  bool item_ok = false;
  int attempts = 0;
  double duration_ms = 0.0;
  nlohmann::json result;
  std::string error;
  std::vector<std::pair<std::string, std::int64_t>> metrics;
  bool operator==(const Judged&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Judged& j) {
  return os << (j.ok ? "valid" : "invalid") << " id=" << j.id << " ok=" << j.item_ok << " attempts=" << j.attempts
            << " duration_ms=" << j.duration_ms << " result=" << j.result.dump() << " error=" << j.error
            << " metrics=" << j.metrics.size();
}

Judged judge_reference(std::string_view line) {
  Judged out;
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {};
  auto id = j.find("id");
  auto status = j.find("status");
  if (id == j.end() || !id->is_string() || status == j.end() || !status->is_string()) return {};
  const auto& st = status->get_ref<const std::string&>();
  if (st != "ok" && st != "failed") return {};
  out.id = id->get<std::string>();
  out.item_ok = st == "ok";
  if (auto a = j.find("attempts"); a != j.end() && a->is_number_integer()) out.attempts = a->get<int>();
  if (auto d = j.find("duration_ms"); d != j.end() && d->is_number()) out.duration_ms = d->get<double>();
  if (out.item_ok) {
    auto res = j.find("result");
    if (res == j.end()) return {};
    out.result = *res;
  } else if (auto e = j.find("error"); e != j.end() && e->is_string()) {
    out.error = e->get<std::string>();
  }
  if (auto m = j.find("metrics"); m != j.end() && m->is_object()) {
    for (const auto& [k, v] : m->items()) {
      if (v.is_number_integer()) out.metrics.emplace_back(k, v.get<std::int64_t>());
    }
    std::sort(out.metrics.begin(), out.metrics.end());
  }
  out.ok = true;
  return out;
}

Judged judge_scanner(std::string_view line) {
  Judged out;
  lbd::JournalRecord r;
  lbd::RecordScratch scratch;
  if (!lbd::parse_record(line, r, scratch)) return out;
  out.id = std::string(r.id);
  out.item_ok = r.ok;
  out.attempts = r.attempts;
  out.duration_ms = r.duration_ms;
  if (r.ok) out.result = nlohmann::json::parse(r.result);
  out.error = std::string(r.error);
  for (const auto& [k, v] : r.metrics) out.metrics.emplace_back(std::string(k), v);
  std::sort(out.metrics.begin(), out.metrics.end());
  out.ok = true;
  return out;
}

}  // namespace

TEST(BatchJournal, RecordScannerJudgesLinesLikeAJsonParser) {
  std::vector<std::string> lines;
  lbd::format_record(lines.emplace_back(), "lead-1", true, 1, 1840.212,
                     R"({"label":"african","confidence":0.85,"tags":["a","b\"c"],"n":null,"t":true,"e":-1.5e-3})", {},
                     {{"african_businesses", 1}, {"x\ty", -7}});
  lbd::format_record(lines.emplace_back(), "a\"b\\c\nd\x01 \xff é 😀", false, 3, 30000.0, {}, "timeout \"x\"\n", {});
  lbd::format_record(lines.emplace_back(), "lead-3", true, 2, 0.5, "[]", {}, {});
  lines.push_back(R"( { "status" : "ok" , "id":"\u00e9\ud83d\ude00\/" , "result" : 0 , "attempts" : 2.0 , "extra":{} } )");
  lines.push_back(R"({"id":"x","status":"failed","error":7,"metrics":{"a":1.5,"b":2,"c":"3"},"attempts":1e2})");
  lines.push_back(R"({"id":"x","status":"ok","result":{},"metrics":[1],"duration_ms":-0})");
  lines.push_back(R"({"id":"x","status":"ok"})");                       // no result
  lines.push_back(R"({"id":1,"status":"ok","result":1})");              // id not a string
  lines.push_back(R"({"id":"x","status":"done","result":1})");          // unknown status
  lines.push_back(R"({"id":"x","status":"ok","result":01})");           // leading zero
  lines.push_back(R"({"id":"x","status":"ok","result":"\ud800"})");     // lone surrogate
  lines.push_back("{\"id\":\"x\",\"status\":\"ok\",\"result\":\"\xc0\xaf\"}");  // overlong UTF-8
  lines.push_back(R"({"id":"x","status":"ok","result":1} x)");          // trailing garbage
  lines.push_back(R"({"id":"x","status":"ok","result":[1,]})");         // trailing comma
  lines.push_back(R"({"id":"x","id":"y","status":"failed","status":"ok","result":tru})");
  lines.push_back(R"({"id":"x","id":"y","status":"failed","status":"ok","result":true})");  // last key wins

  std::size_t compared = 0;
  auto check = [&](const std::string& line) {
    ++compared;
    EXPECT_EQ(judge_scanner(line), judge_reference(line)) << line;
  };
  std::mt19937_64 rng(42);
  const std::string alphabet = "{}[]\",:\\u0123456789.eE+-ntrfalsx \t\x80\xc3\xa9\xff";
  for (const auto& line : lines) {
    for (std::size_t n = 0; n <= line.size(); ++n) check(line.substr(0, n));  // every torn prefix
    for (int k = 0; k < 3000; ++k) {
      std::string m = line;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits && !m.empty(); ++e) {
        const std::size_t at = rng() % m.size();
        const char c = alphabet[rng() % alphabet.size()];
        switch (rng() % 3) {
          case 0: m[at] = c; break;
          case 1: m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), c); break;
          default: m.erase(at, 1);
        }
      }
      check(m);
    }
  }
  EXPECT_GT(compared, 40000U);
}

TEST(BatchJournal, FingerprintIgnoresOrder) {
  lbd::Fingerprint a, b, c;
  a.add("x");
  a.add("y");
  b.add("y");
  b.add("x");
  c.add("x");
  EXPECT_EQ(a.hex(), b.hex());
  EXPECT_NE(a.hex(), c.hex());
  EXPECT_EQ(a.hex().size(), 16U);
}

// ---- progress files ----

TEST(BatchJournal, InputCheckpointRoundTrips) {
  for (const bool end : {false, true}) {
    std::string line;
    lbd::format_input_record(line, 4096, "00ff", end);
    ASSERT_EQ(line.back(), '\n');
    line.pop_back();
    lbd::JournalRecord r;
    lbd::RecordScratch scratch;
    ASSERT_TRUE(lbd::parse_record(line, r, scratch)) << line;
    EXPECT_TRUE(r.input);
    EXPECT_EQ(r.input_items, 4096U);
    EXPECT_EQ(r.fingerprint, "00ff");
    EXPECT_EQ(r.input_end, end);
  }
  lbd::JournalRecord r;
  lbd::RecordScratch scratch;
  EXPECT_FALSE(lbd::parse_record(R"({"status":"input","items":"many","fingerprint":"00"})", r, scratch));
  EXPECT_FALSE(lbd::parse_record(R"({"status":"input","items":3})", r, scratch));
  ASSERT_TRUE(lbd::parse_record(R"({"id":"a","status":"ok","result":1,"items":3})", r, scratch));
  EXPECT_FALSE(r.input);
  EXPECT_EQ(r.input_items, 0U);
}

TEST(BatchJournal, NoteRecordCarriesItsJsonTextBack) {
  const std::string note = R"({"chunk":3,"batch":"batch_\"x\"","ids":["a","b"]})";
  std::string line;
  lbd::format_note_record(line, note);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  lbd::JournalRecord r;
  lbd::RecordScratch scratch;
  ASSERT_TRUE(lbd::parse_record(line, r, scratch)) << line;
  EXPECT_TRUE(r.note);
  EXPECT_EQ(r.note_text, note);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.id.empty());
  EXPECT_FALSE(lbd::parse_record(R"({"status":"note"})", r, scratch)) << "a note without its text";
  EXPECT_FALSE(lbd::parse_record(R"({"status":"note","note":3})", r, scratch));
  ASSERT_TRUE(lbd::parse_record(R"({"id":"a","status":"ok","result":1,"note":"x"})", r, scratch));
  EXPECT_FALSE(r.note);
  EXPECT_TRUE(r.note_text.empty());
}

TEST(BatchDigestIndex, FindsEveryIdWithItsOutcomeAndNothingElse) {
  lbd::DigestIndex index;
  auto digest = [](const std::string& id) { return lbd::id_digest(id, lb::stable_hash(id)); };
  EXPECT_EQ(index.find(digest("x")), lbd::DigestIndex::Outcome::none);  // before freeze: empty
  constexpr int n = 100000;
  for (int i = 0; i < n; ++i) index.add(digest("id-" + std::to_string(i)), i % 10 != 0);
  for (int i = 0; i < n; i += 20) index.add(digest("id-" + std::to_string(i)), true);  // retried: ok wins
  index.add(digest("id-5"), false);  // a failed record after ok cannot undo it
  index.freeze();
  EXPECT_EQ(index.size(), static_cast<std::size_t>(n));
  EXPECT_LE(index.bytes(), static_cast<std::size_t>(n) * 24U) << "the resume index holds at most 24 bytes per id";
  for (int i = 0; i < n; ++i) {
    const auto want = i % 10 != 0 || i % 20 == 0 ? lbd::DigestIndex::Outcome::ok : lbd::DigestIndex::Outcome::failed;
    ASSERT_EQ(index.find(digest("id-" + std::to_string(i))), want) << i;
  }
  for (int i = n; i < 2 * n; ++i) ASSERT_EQ(index.find(digest("id-" + std::to_string(i))), lbd::DigestIndex::Outcome::none);
  EXPECT_EQ(index.find(digest("")), lbd::DigestIndex::Outcome::none);
}

TEST(BatchProgress, SnapshotRoundTripsWithEverySchemaField) {
  lb::ProgressSnapshot s;
  s.operation = "logistics_demo";
  s.status = lb::Status::running;
  s.processed = 120;
  s.total = 500;
  s.percentage = 24.0;
  s.succeeded = 118;
  s.failed = 2;
  s.retried = 5;
  s.skipped_resumed = 40;
  s.in_flight = 16;
  s.rate_per_second = 8.1;
  s.elapsed_seconds = 14.8;
  s.eta_seconds = 47;
  s.current_item = "MOKGADI MOTALE";
  s.started_at = "2025-07-06T10:30:15.000Z";
  s.timestamp = "2025-07-06T10:30:29.800Z";
  s.pid = 4242;
  s.host = "worker-1";
  s.shard = lb::ShardSpec{1, 4};
  s.metrics = {{"african_businesses", 97}};
  const nlohmann::json j = s;
  for (const char* key : {"schema_version", "operation", "status", "processed", "total", "percentage", "succeeded",
                          "failed", "retried", "skipped_resumed", "in_flight", "rate_per_second", "elapsed_seconds",
                          "eta_seconds", "current_item", "started_at", "timestamp", "pid", "host", "shard"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["status"], "running");
  const auto back = j.get<lb::ProgressSnapshot>();
  EXPECT_EQ(back.processed, 120U);
  EXPECT_EQ(back.eta_seconds, 47.0);
  EXPECT_EQ(back.shard, (lb::ShardSpec{1, 4}));
  EXPECT_EQ(back.metrics.at("african_businesses"), 97);
  s.eta_seconds.reset();
  s.shard.reset();
  const nlohmann::json j2 = s;
  EXPECT_TRUE(j2["eta_seconds"].is_null());
  EXPECT_TRUE(j2["shard"].is_null());
  EXPECT_TRUE(j2["expected_total"].is_null());
  s.total_known = false;
  s.expected_total = 900;
  const nlohmann::json j3 = s;
  EXPECT_TRUE(j3["total"].is_null()) << "a streamed input not at its end";
  EXPECT_EQ(j3["expected_total"], 900);
  const auto back3 = j3.get<lb::ProgressSnapshot>();
  EXPECT_FALSE(back3.total_known);
  EXPECT_EQ(back3.expected_total, std::optional<std::uint64_t>(900));
  EXPECT_FALSE(j2.get<lb::ProgressSnapshot>().eta_seconds.has_value());
}

TEST(BatchProgress, AtomicWriteLeavesNoTemporaryFile) {
  TempDir dir;
  lbd::write_file_atomic(dir.path() / "a.json", "{\"v\":1}\n");
  lbd::write_file_atomic(dir.path() / "a.json", "{\"v\":2}\n");
  EXPECT_EQ(read_file(dir.path() / "a.json"), "{\"v\":2}\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
  EXPECT_THROW(lbd::write_file_atomic(dir.path() / "missing" / "a.json", "x"), lb::Error);
}

TEST(BatchProgress, ReaderNeverSeesATornFile) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.concurrency = 2;
  opt.progress_interval = 0ms;  // rewrite as often as the coordinator can
  const auto file = dir.path() / "progress" / "test_op.json";
  // Only reads made from the running phase to the finished one count: the file is then being
  // rewritten. The last item waits until enough of them were made.
  constexpr int kReads = 200;
  std::atomic<bool> live{false}, done{false};
  std::atomic<int> reads{0}, bad{0};
  opt.on_phase = [&](lb::RunPhase phase, const fs::path&) {
    if (phase == lb::RunPhase::running) live = true;
    if (phase == lb::RunPhase::finished) live = false;
  };
  std::thread reader([&] {
    while (!done.load()) {
      const bool live_before = live.load();
      std::ifstream in(file, std::ios::binary);
      if (!in) continue;
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded()) {
        ++bad;
      } else {
        try {
          (void)j.get<lb::ProgressSnapshot>();
        } catch (const std::exception&) {
          ++bad;
        }
      }
      if (live_before && live.load()) ++reads;
    }
  });
  lb::BackgroundProcessor<Item, Out> proc(opt);
  auto items = make_items(3000);
  auto s = proc.run(items, [&](const Item& item, lb::Context&) -> lb::Outcome<Out> {
    std::this_thread::sleep_for(50us);
    if (item.value == 2999) {
      for (int i = 0; i < 30000 && reads.load() < kReads; ++i) std::this_thread::sleep_for(1ms);
    }
    return Out{item.value, ""};
  });
  done = true;
  reader.join();
  EXPECT_EQ(s.status, lb::Status::completed);
  EXPECT_GE(reads.load(), kReads) << "reads while the run was going";
  EXPECT_EQ(bad.load(), 0);
}

// The atomic writer on its own, 100,000 times: on tmpfs (/dev/shm), where fsync costs nothing,
// so the test measures the rename protocol rather than the disk. Each version is checked
// whole, not only parsed: current_item's length encodes `processed`.
TEST(BatchProgress, HundredThousandRewritesNeverShowATornFile) {
  TempDir fallback;
  const bool shm = fs::is_directory("/dev/shm");
  const fs::path dir = shm ? fs::path("/dev/shm") / fallback.path().filename() : fallback.path();
  fs::create_directories(dir);
  const auto file = dir / "op.json";
  constexpr int kRewrites = 100000;
  auto version = [](int n) {
    lb::ProgressSnapshot s;
    s.operation = "op";
    s.status = lb::Status::running;
    s.processed = static_cast<std::uint64_t>(n);
    s.total = kRewrites;
    s.current_item = std::string(static_cast<std::size_t>(n % 4096), 'x');  // 0 to 4 KiB: sizes vary
    return nlohmann::json(s).dump(2) + "\n";
  };
  lbd::write_file_atomic(file, version(0));
  // Only reads made while the rewrites go on count; reads before the first or after the last
  // would see a file that does not change.
  std::atomic<bool> writing{false}, done{false};
  std::atomic<int> reads{0}, bad{0};
  auto reader = [&] {
    while (!done.load()) {
      const bool writing_before = writing.load();
      std::ifstream in(file, std::ios::binary);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      try {
        const auto p = nlohmann::json::parse(text).get<lb::ProgressSnapshot>();
        if (p.current_item.size() != p.processed % 4096) ++bad;
      } catch (const std::exception&) {
        ++bad;
      }
      if (writing_before && writing.load()) ++reads;
    }
  };
  std::thread r1(reader), r2(reader);
  writing = true;
  for (int n = 1; n <= kRewrites; ++n) lbd::write_file_atomic(file, version(n));
  writing = false;
  done = true;
  r1.join();
  r2.join();
  if (shm) fs::remove_all(dir);
  EXPECT_EQ(bad.load(), 0) << "of " << reads.load() << " reads during the rewrites";
  EXPECT_GT(reads.load(), 1000);
}

TEST(BatchProgress, FileNamesAndDefaultDirectory) {
  const auto f = lb::progress_files("p", "demo", std::nullopt);
  EXPECT_EQ(f.progress, fs::path("p/demo.json"));
  EXPECT_EQ(f.status, fs::path("p/batch-status.json"));
  EXPECT_EQ(f.prometheus, fs::path("p/demo.prom"));
  EXPECT_EQ(f.journal, fs::path("p/demo.checkpoint.jsonl"));
  const auto s = lb::progress_files("p", "demo", lb::ShardSpec{2, 5});
  EXPECT_EQ(s.progress, fs::path("p/demo.shard-2-of-5.json"));
  EXPECT_EQ(s.journal, fs::path("p/demo.shard-2-of-5.checkpoint.jsonl"));
  {
    ScopedEnv env("LEADSCOUT_LOG_DIR", "/var/log/leads");
    EXPECT_EQ(lb::default_progress_dir(), fs::path("/var/log/leads/progress"));
  }
  ScopedEnv env("LEADSCOUT_LOG_DIR", nullptr);
  ll::shutdown();  // without a log configuration in force
  EXPECT_EQ(lb::default_progress_dir(), fs::path("logs/progress"));
}

TEST(BatchProgress, CompletedRunWritesProgressStatusAndPrometheusFiles) {
  TempDir dir;
  auto clock = std::make_shared<lb::ManualClock>();
  auto opt = test_options(dir.path(), clock);
  opt.operation = "prom_demo";
  lb::BackgroundProcessor<Item, Out> proc(opt);
  auto items = make_items(5);
  auto s = proc.run(items, [&](const Item& item, lb::Context& ctx) -> lb::Outcome<Out> {
    clock->advance(std::chrono::milliseconds(20 * (item.value + 1)));
    ctx.metric("african_businesses", 1);
    if (item.value == 4) return lb::Failure{"no", lb::Retry::no};
    return Out{item.value, ""};
  });
  const auto p = lb::read_progress(dir.path() / "progress" / "prom_demo.json");
  EXPECT_EQ(p.status, lb::Status::completed);
  EXPECT_EQ(p.processed, 5U);
  EXPECT_EQ(p.total, 5U);
  EXPECT_DOUBLE_EQ(p.percentage, 100.0);
  EXPECT_EQ(p.succeeded, 4U);
  EXPECT_EQ(p.failed, 1U);
  EXPECT_EQ(p.in_flight, 0U);
  EXPECT_EQ(p.pid, ::getpid());
  EXPECT_FALSE(p.host.empty());
  EXPECT_TRUE(p.last_success_at.has_value());
  EXPECT_EQ(read_file(dir.path() / "progress" / "batch-status.json"),
            read_file(dir.path() / "progress" / "prom_demo.json"));

  const std::string prom = read_file(dir.path() / "progress" / "prom_demo.prom");
  const std::regex sample(R"(^[a-z_]+(\{[^}]*\})? [-+0-9.eEInf]+$)");
  std::istringstream lines(prom);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }
  for (const char* expected :
       {"leadscout_batch_items_total{operation=\"prom_demo\",status=\"succeeded\"} 4\n",
        "leadscout_batch_items_total{operation=\"prom_demo\",status=\"failed\"} 1\n",
        "leadscout_batch_in_flight{operation=\"prom_demo\"} 0\n", "leadscout_batch_retries_total{operation=\"prom_demo\"} 0\n",
        "# TYPE leadscout_batch_item_duration_seconds histogram\n",
        "leadscout_batch_item_duration_seconds_bucket{operation=\"prom_demo\",le=\"0.05\"} 2\n",
        "leadscout_batch_item_duration_seconds_bucket{operation=\"prom_demo\",le=\"0.1\"} 5\n",
        "leadscout_batch_item_duration_seconds_bucket{operation=\"prom_demo\",le=\"+Inf\"} 5\n",
        "leadscout_batch_item_duration_seconds_count{operation=\"prom_demo\"} 5\n",
        "leadscout_batch_last_progress_timestamp_seconds{operation=\"prom_demo\"} ",
        "leadscout_batch_last_success_timestamp_seconds{operation=\"prom_demo\"} ",
        "leadscout_batch_business_total{operation=\"prom_demo\",name=\"african_businesses\"} 5\n"}) {
    EXPECT_NE(prom.find(expected), std::string::npos) << expected << "\n--- in ---\n" << prom;
  }
}

TEST(BatchProgress, LastSuccessGaugeInWholeUtcSeconds) {
  lb::ProgressSnapshot s;
  s.operation = "op";
  s.last_success_at = "2025-07-06T10:30:15.987Z";
  const std::string gauge = "leadscout_batch_last_success_timestamp_seconds{operation=\"op\"} ";
  EXPECT_NE(lbd::prometheus_text(s, {}, 0).find(gauge + "1751797815\n"), std::string::npos);
  s.last_success_at = "not a time";
  EXPECT_EQ(lbd::prometheus_text(s, {}, 0).find(gauge), std::string::npos) << "no gauge without a time";
}

TEST(BatchProgress, DurationQuantiles) {
  lbd::DurationStats d;
  for (int i = 1; i <= 100; ++i) d.add(i / 1000.0);
  EXPECT_EQ(d.count, 100U);
  EXPECT_NEAR(d.quantile(0.95), 0.095, 0.095 * 0.3);
  EXPECT_NEAR(d.quantile(0.5), 0.050, 0.050 * 0.3);
}

// ---- rate limiter, backoff, estimator ----

TEST(BatchRateLimiter, TokenBucket) {
  const lb::Clock::time_point t0{};
  lbd::RateLimiter r(2.0, 3.0, t0);
  EXPECT_TRUE(r.try_acquire(t0));
  EXPECT_TRUE(r.try_acquire(t0));
  EXPECT_TRUE(r.try_acquire(t0));  // burst of 3
  EXPECT_FALSE(r.try_acquire(t0));
  EXPECT_EQ(r.next_available(t0), t0 + 500ms);
  EXPECT_FALSE(r.try_acquire(t0 + 499ms));
  EXPECT_TRUE(r.try_acquire(t0 + 500ms));
  EXPECT_TRUE(r.try_acquire(t0 + 10s));
  EXPECT_TRUE(r.try_acquire(t0 + 10s));
  EXPECT_TRUE(r.try_acquire(t0 + 10s));
  EXPECT_FALSE(r.try_acquire(t0 + 10s));  // saved up no more than the burst
  lbd::RateLimiter unlimited(0.0, 1.0, t0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(unlimited.try_acquire(t0));
}

TEST(BatchBackoff, ExponentialCapsAndFullJitter) {
  lb::RetryPolicy p;
  p.initial_backoff = 500ms;
  p.max_backoff = 30s;
  lbd::Backoff b(p, 1);
  EXPECT_EQ(b.cap(1), 500ms);
  EXPECT_EQ(b.cap(2), 1000ms);
  EXPECT_EQ(b.cap(3), 2000ms);
  EXPECT_EQ(b.cap(10), 30s);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const auto d = b.delay(3, 0ms);
    EXPECT_GE(d, 0ms);
    EXPECT_LE(d, 2000ms);
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 50U);
  EXPECT_EQ(b.delay(3, 42s), 42s);
  lbd::Backoff same1(p, 7), same2(p, 7);
  EXPECT_EQ(same1.delay(2, 0ms), same2.delay(2, 0ms));
  p.jitter = false;
  lbd::Backoff fixed(p, 1);
  EXPECT_EQ(fixed.delay(2, 0ms), 1000ms);
}

TEST(BatchEstimator, BurstDoesNotMakeTheEtaJump) {
  lbd::RateEstimator e;
  EXPECT_FALSE(e.eta(100).has_value());
  std::uint64_t done = 0;
  double t = 0;
  e.update(t, done);
  for (int i = 0; i < 120; ++i) {  // a minute at 10 items/s
    t += 0.5;
    done += 5;
    e.update(t, done);
  }
  EXPECT_NEAR(e.rate(), 10.0, 0.01);
  const double eta_before = *e.eta(1000);
  t += 0.5;
  done += 100;  // a burst: 200 items/s for half a second
  e.update(t, done);
  EXPECT_LT(e.rate(), 25.0);
  EXPECT_GT(*e.eta(1000), eta_before / 2.5);
  EXPECT_EQ(*e.eta(0), 0.0);
}

// ---- shards ----

TEST(BatchShard, ParseAndEnvironment) {
  EXPECT_EQ(lb::parse_shard("0/4"), (lb::ShardSpec{0, 4}));
  EXPECT_EQ(lb::parse_shard("3/4"), (lb::ShardSpec{3, 4}));
  for (const char* bad : {"4/4", "1", "a/b", "1/0", "-1/3", "1/3x", ""}) {
    EXPECT_THROW((void)lb::parse_shard(bad), lb::Error) << bad;
  }
  {
    ScopedEnv a("LEADSCOUT_SHARD", nullptr);
    ScopedEnv b("JOB_COMPLETION_INDEX", nullptr);
    EXPECT_FALSE(lb::shard_from_env().has_value());
  }
  {
    ScopedEnv a("LEADSCOUT_SHARD", "2/3");
    EXPECT_EQ(lb::shard_from_env(), (lb::ShardSpec{2, 3}));
  }
  {
    ScopedEnv a("LEADSCOUT_SHARD", "3/3");
    try {
      (void)lb::shard_from_env();
      FAIL();
    } catch (const lb::Error& e) {
      EXPECT_NE(std::string(e.what()).find("LEADSCOUT_SHARD=\"3/3\""), std::string::npos) << e.what();
    }
  }
  {
    ScopedEnv a("LEADSCOUT_SHARD", nullptr);
    ScopedEnv b("JOB_COMPLETION_INDEX", "2");
    ScopedEnv c("LEADSCOUT_SHARD_COUNT", "5");
    EXPECT_EQ(lb::shard_from_env(), (lb::ShardSpec{2, 5}));
  }
  {
    ScopedEnv a("LEADSCOUT_SHARD", nullptr);
    ScopedEnv b("JOB_COMPLETION_INDEX", "2");
    ScopedEnv c("LEADSCOUT_SHARD_COUNT", nullptr);
    try {
      (void)lb::shard_from_env();
      FAIL();
    } catch (const lb::Error& e) {
      EXPECT_NE(std::string(e.what()).find("LEADSCOUT_SHARD_COUNT"), std::string::npos) << e.what();
    }
  }
  {
    ScopedEnv a("LEADSCOUT_SHARD", nullptr);
    ScopedEnv b("JOB_COMPLETION_INDEX", "x");
    ScopedEnv c("LEADSCOUT_SHARD_COUNT", "5");
    try {
      (void)lb::shard_from_env();
      FAIL();
    } catch (const lb::Error& e) {
      EXPECT_NE(std::string(e.what()).find("JOB_COMPLETION_INDEX"), std::string::npos) << e.what();
    }
  }
}

TEST(BatchShard, StableHashSplitsEvenly) {
  EXPECT_EQ(lb::stable_hash(""), 14695981039346656037ULL);
  EXPECT_EQ(lb::stable_hash("a"), 0xaf63dc4c8601ec8cULL);  // FNV-1a 64 test vector
  std::array<int, 4> counts{};
  for (int i = 0; i < 4000; ++i) ++counts[lb::shard_of("lead-" + std::to_string(i), 4)];
  for (int c : counts) EXPECT_NEAR(c, 1000, 150);
}

// ---- progress bar ----

TEST(BatchProgressBar, RendersPercentageCountRateEtaAndCurrentItem) {
  lb::ProgressSnapshot s;
  s.operation = "demo";
  s.processed = 120;
  s.total = 500;
  s.percentage = 24.0;
  s.rate_per_second = 8.1;
  s.eta_seconds = 47;
  s.current_item = "MOKGADI MOTALE";
  const auto line = lbd::render_bar(s, 200);
  EXPECT_NE(line.find("24.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("120/500"), std::string::npos) << line;
  EXPECT_NE(line.find("8.1/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 00:47"), std::string::npos) << line;
  EXPECT_NE(line.find("MOKGADI MOTALE"), std::string::npos) << line;
  EXPECT_LE(lbd::render_bar(s, 30).size(), 30U);
  s.eta_seconds.reset();
  EXPECT_NE(lbd::render_bar(s, 200).find("ETA ?"), std::string::npos);
}

TEST(BatchProgressBar, HiddenWithoutAForegroundTerminal) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_FALSE(lbd::terminal_allows_bar(fds[0]));
  ::close(fds[0]);
  ::close(fds[1]);
  // A terminal that is not this process's controlling terminal: not in its foreground group.
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const std::string slave_name = ::ptsname(master);
  const int slave = ::open(slave_name.c_str(), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  EXPECT_FALSE(lbd::terminal_allows_bar(slave));
  // In a new session that owns the terminal, the bar shows, unless TERM=dumb.
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    const int tty = ::open(slave_name.c_str(), O_RDWR);  // becomes the controlling terminal
    ::setenv("TERM", "xterm", 1);
    const bool shown = lbd::terminal_allows_bar(tty);
    ::setenv("TERM", "dumb", 1);
    const bool dumb = lbd::terminal_allows_bar(tty);
    ::_exit(shown && !dumb ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ::close(slave);
  ::close(master);
}

TEST(BatchProgressBar, DrawsNothingWhenStderrIsNotATerminal) {
  TempDir dir;
  auto opt = test_options(dir.path());
  opt.progress_bar = lb::ProgressBarMode::automatic;
  lb::BackgroundProcessor<Item, Out> proc(opt);
  auto items = make_items(50);
  testing::internal::CaptureStderr();
  auto s = proc.run(items, [](const Item& item, lb::Context&) -> lb::Outcome<Out> { return Out{item.value, ""}; });
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(s.succeeded, 50U);
  EXPECT_EQ(err.find('\r'), std::string::npos) << err;
}

TEST(BatchProgressBar, ThrottledToTenRedrawsASecond) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  lbd::ProgressBar bar(fds[1], true);
  lb::ProgressSnapshot s;
  const lb::Clock::time_point t0{};
  for (int i = 0; i < 1000; ++i) bar.draw(s, t0 + std::chrono::milliseconds(i));  // one second
  EXPECT_EQ(bar.draws(), 10);
  ::close(fds[0]);
  ::close(fds[1]);
}

// ---- export ----

TEST(BatchExport, JsonlAndCsv) {
  lb::Summary<Out> s;
  s.results = {{"a", Out{2, "plain"}}, {"b,1", Out{4, "with \"quotes\", comma"}}};
  TempDir dir;
  lb::export_jsonl(s, dir.path() / "r.jsonl");
  const auto lines = read_lines(dir.path() / "r.jsonl");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["result"]["doubled"], 4);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["id"], "b,1");
  lb::export_csv(s, dir.path() / "r.csv");
  EXPECT_EQ(read_file(dir.path() / "r.csv"),
            "id,doubled,note\r\na,2,plain\r\n\"b,1\",4,\"with \"\"quotes\"\", comma\"\r\n");
}

TEST(BatchSignals, SignalNamesAsDocumented) {
  EXPECT_EQ(lbd::signal_name(SIGINT), "SIGINT");
  EXPECT_EQ(lbd::signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(lbd::signal_name(SIGHUP), "signal " + std::to_string(SIGHUP));
}
