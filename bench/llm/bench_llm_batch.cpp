// llm::run in batch mode against leadscout-llm-stub (a child process on loopback): N items
// (100,000 by default) through OpenAI-style batches of 10,000 that the stub takes
// --batch-seconds to finish. Prints the wall time beside the stub's batch time, the engine's
// own time as this process's CPU time (user + system: the stub runs in its own process, so its
// work is not in it), the wall time beyond the batch time, the peak RSS of this process and of
// the stub, and the stub's /stats rows.
//
//   bench_llm_batch [--items 100000] [--batch-seconds 5] [--batch-requests 10000]
//                   [--poll-ms 100] [--concurrency 4] [--stub PATH]
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <leadscout/batch.hpp>
#include <leadscout/llm.hpp>
#include <leadscout/log.hpp>

namespace lb = leadscout::batch;
namespace ll = leadscout::log;
namespace llm = leadscout::llm;
namespace fs = std::filesystem;

namespace {

struct Lead {
  std::string id;
};

struct Label {
  std::string label;
  double confidence = 0;
};
void to_json(nlohmann::json& j, const Label& l) {
  j = nlohmann::json{{"label", l.label}, {"confidence", l.confidence}};
}
void from_json(const nlohmann::json& j, Label& l) {
  j.at("label").get_to(l.label);
  j.at("confidence").get_to(l.confidence);
}

constexpr const char* kKeyVariable = "LEADSCOUT_BENCH_STUB_KEY";
const std::string kLabelSchema =
    R"({"type":"object","properties":{"label":{"type":"string"},"confidence":{"type":"number"}},)"
    R"("required":["label","confidence"],"additionalProperties":false})";

struct Args {
  std::size_t items = 100'000;
  int batch_seconds = 5;
  std::size_t batch_requests = 10'000;
  int poll_ms = 100;
  int concurrency = 4;
  std::string stub = LEADSCOUT_LLM_STUB_BIN;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--items") a.items = static_cast<std::size_t>(std::atoll(value));
    else if (flag == "--batch-seconds") a.batch_seconds = std::atoi(value);
    else if (flag == "--batch-requests") a.batch_requests = static_cast<std::size_t>(std::atoll(value));
    else if (flag == "--poll-ms") a.poll_ms = std::atoi(value);
    else if (flag == "--concurrency") a.concurrency = std::atoi(value);
    else if (flag == "--stub") a.stub = value;
    else continue;
    ++i;
  }
  return a;
}

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }
double cpu_seconds(const rusage& ru) { return seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime); }

/// The stub as a child process on a free port; its stdout goes to a file, whose first line
/// names the port.
class Stub {
 public:
  Stub(const Args& a, const fs::path& dir) {
    const fs::path out = dir / "stub.out";
    const std::string seconds = std::to_string(a.batch_seconds);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, STDOUT_FILENO);
      ::execl(a.stub.c_str(), a.stub.c_str(), "--port", "0", "--batch-seconds", seconds.c_str(),
              static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    const std::string prefix = "listening on 127.0.0.1:";
    for (int tries = 0; tries < 1000 && port_ == 0; ++tries) {
      std::ifstream in(out);
      std::string line;
      if (std::getline(in, line) && in && line.rfind(prefix, 0) == 0) port_ = std::stoi(line.substr(prefix.size()));
      else std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~Stub() {
    if (pid_ > 0 && !stopped_) stop();
  }
  Stub(const Stub&) = delete;
  Stub& operator=(const Stub&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] nlohmann::json stats() const {
    httplib::Client c("127.0.0.1", port_);
    const auto res = c.Get("/stats");
    if (!res || res->status != 200) return nlohmann::json::object();
    return nlohmann::json::parse(res->body);
  }
  /// Stops it and returns its resource use (CPU time, peak RSS).
  rusage stop() {
    stopped_ = true;
    rusage ru{};
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::wait4(pid_, &status, 0, &ru);
    return ru;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  bool stopped_ = false;
};

llm::Pipeline<Lead, Label> pipeline() {
  return {.request = [](const Lead& lead) {
            return llm::Request{.system = "You classify the origin of names. Answer JSON.",
                                .user = "Classify this lead.\nName: " + lead.id,
                                .schema = kLabelSchema,
                                .max_tokens = 64};
          },
          .result = [](const Lead&, const llm::Reply& reply) -> lb::Outcome<Label> {
            return Label{reply.json().at("label").get<std::string>(), reply.json().at("confidence").get<double>()};
          }};
}

lb::Options options_in(const fs::path& dir, const llm::Client& client, int concurrency) {
  lb::Options opt;
  opt.operation = "bench_llm_batch";
  opt.progress_dir = dir / "progress";
  opt.concurrency = concurrency;
  opt.handle_signals = false;
  opt.progress_bar = lb::ProgressBarMode::off;
  opt.results = lb::jsonl_results(dir / "results.jsonl");
  opt.quotas = client.quotas();
  return opt;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  const fs::path dir = fs::temp_directory_path() / ("leadscout-bench-llm-batch-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  Stub stub(a, dir);  // before any thread of ours: the child only execs
  if (stub.port() == 0) {
    std::fprintf(stderr, "bench_llm_batch: the stub %s did not start\n", a.stub.c_str());
    return 1;
  }
  ll::Config cfg;
  cfg.dir = dir / "logs";
  cfg.console = ll::ConsoleMode::off;
  ll::init(cfg);
  ::setenv(kKeyVariable, "sk-bench-batch", 1);
  llm::Client client({.endpoints = {{.api = llm::Api::openai,
                                     .base_url = "http://127.0.0.1:" + std::to_string(stub.port()) + "/v1",
                                     .model = "gpt-4o-mini",
                                     .key_env = kKeyVariable}}});
  std::vector<Lead> leads;
  leads.reserve(a.items);
  for (std::size_t i = 0; i < a.items; ++i) leads.push_back(Lead{"lead-" + std::to_string(i)});

  lb::BackgroundProcessor<Lead, Label> proc(options_in(dir, client, a.concurrency));
  const llm::RunOptions run{.mode = llm::Mode::batch,
                            .max_batch_requests = a.batch_requests,
                            .poll_interval = std::chrono::milliseconds(a.poll_ms)};
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  const auto t0 = std::chrono::steady_clock::now();
  const auto summary = llm::run(proc, client, leads, pipeline(), run);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  const nlohmann::json stats = stub.stats();
  const rusage stub_use = stub.stop();
  ll::shutdown();
  fs::remove_all(dir);

  const auto stat = [&](const char* key) { return stats.value(key, std::int64_t{-1}); };
  std::printf("llm::run batch mode: %zu items, batches of %zu, poll interval %d ms, concurrency %d\n", a.items,
              a.batch_requests, a.poll_ms, a.concurrency);
  std::printf("  wall time %.2f s; stub --batch-seconds %d; wall beyond the batch time %.2f s\n", wall, a.batch_seconds,
              wall - a.batch_seconds);
  std::printf("  engine's own time (this process's CPU time, user + system, during the run): %.2f s\n",
              cpu_seconds(after) - cpu_seconds(before));
  std::printf("  peak RSS %.0f MiB (this process); the stub: CPU %.2f s, peak RSS %.0f MiB\n",
              static_cast<double>(after.ru_maxrss) / 1024.0, cpu_seconds(stub_use),
              static_cast<double>(stub_use.ru_maxrss) / 1024.0);
  std::printf("  succeeded %zu, failed %zu; stub: batches %lld, rows %lld, duplicate rows %lld, online calls %lld\n",
              summary.succeeded, summary.failed, static_cast<long long>(stat("batches_created")),
              static_cast<long long>(stat("batch_rows")), static_cast<long long>(stat("batch_duplicate_rows")),
              static_cast<long long>(stat("requests")));
  const bool ok = summary.succeeded == a.items && stat("batch_rows") == static_cast<std::int64_t>(a.items) &&
                  stat("batch_duplicate_rows") == 0;
  if (!ok) std::printf("  FAILED: %s\n", summary.reason.c_str());
  return ok ? 0 : 1;
}
