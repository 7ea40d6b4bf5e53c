// Provider quotas against a simulated provider that enforces its own requests- and
// tokens-per-minute limits (sim_provider.hpp), in real time: throughput against the ceiling and
// the share of 429s with limits configured, with limits learned from headers, and with no quota
// at all (per-item retries); then a budget stop at concurrency 64.
//
//   bench_quota [--seconds 30] [--case NAME[,NAME...]]
//
// Mostly waiting: the CPU time of each case is printed beside it.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <leadscout/log.hpp>

#include "quota_cases.hpp"

namespace ll = leadscout::log;
namespace fs = std::filesystem;
using namespace bench_quota;

namespace {

struct Args {
  double seconds = 30;
  std::vector<std::string> only;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "bench_quota: %s\nusage: bench_quota [--seconds S] [--case NAME[,NAME...]]\n", why);
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + arg).c_str());
    const std::string value = argv[++i];
    if (arg == "--seconds") {
      a.seconds = std::atof(value.c_str());
      if (!(a.seconds > 0)) usage("--seconds must be > 0");
    } else if (arg == "--case") {
      for (std::size_t start = 0; start <= value.size();) {
        const auto comma = value.find(',', start);
        a.only.push_back(value.substr(start, comma - start));
        start = comma == std::string::npos ? value.size() + 1 : comma + 1;
      }
    } else {
      usage(("unknown option " + arg).c_str());
    }
  }
  return a;
}

bool selected(const Args& a, const std::string& name) {
  if (a.only.empty()) return true;
  for (const auto& n : a.only) {
    if (n == name) return true;
  }
  return false;
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  const fs::path dir = fs::temp_directory_path() / ("leadscout-bench-quota-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  ll::Config cfg;
  cfg.dir = dir / "logs";
  cfg.console = ll::ConsoleMode::off;
  ll::init(cfg);

  std::vector<CaseResult> rate_results;
  std::vector<BudgetResult> budget_results;
  for (const CaseSpec& spec : rate_cases()) {
    if (!selected(args, spec.name)) continue;
    std::cerr << "running " << spec.name << " for " << args.seconds << " s\n";
    const double cpu0 = cpu_seconds();
    CaseResult r = run_rate_case(spec, args.seconds, dir);
    r.cpu_seconds = cpu_seconds() - cpu0;
    rate_results.push_back(r);
  }
  if (selected(args, "budget")) {
    std::cerr << "running budget (until the budget stops it, about " << args.seconds << " s)\n";
    const double cpu0 = cpu_seconds();
    BudgetResult b = run_budget_case(args.seconds, dir);
    b.cpu_seconds = cpu_seconds() - cpu0;
    budget_results.push_back(b);
  }
  print_rate_table(std::cout, rate_results, args.seconds);
  for (const auto& b : budget_results) print_budget(std::cout, b);

  ll::shutdown();
  fs::remove_all(dir);
  // A missed target is a figure, not an error; a case that did not run at all is.
  bool ran = true;
  for (const auto& r : rate_results) ran = ran && r.provider.served > 0;
  for (const auto& b : budget_results) ran = ran && b.status == "budget_exhausted";
  if (!ran) std::cerr << "bench_quota: a case served no call, or the budget did not stop its run\n";
  return ran ? 0 : 1;
}
