// Generates a realistic leadscout JSON-lines log of a given size, then times leadscout-logs'
// summary pass over it (the same code the tool runs) and prints MB/s.
//
//   bench_logs_summary [--size-mb 200] [--file PATH] [--keep] [--runs 3]
//
// With --file PATH and an existing file of at least the requested size, the file is reused.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "iso8601.hpp"

namespace fs = std::filesystem;
namespace lg = leadscout::logs_tool;

namespace {

const char* const names[] = {"MOKGADI MOTALE", "DIEMBY LUBAMBO", "THABO NKOSI", "NALEDI DLAMINI",
                             "SIPHO MABASO", "LERATO MOKOENA", "KAGISO LOGISTICS (PTY) LTD",
                             "UBUNTU FREIGHT CC", "JOHAN VAN DER MERWE", "ZANELE KHUMALO"};
const char* const labels[] = {"african", "non_african", "unknown"};
const char* const providers[] = {"openai", "anthropic"};
const char* const models[] = {"gpt-4o-mini", "claude-3-haiku"};

// Writes `bytes` of log lines to `path`, timestamps advancing through one day.
void generate(const fs::path& path, std::uint64_t bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    std::perror(path.c_str());
    std::exit(1);
  }
  std::vector<char> buf(1 << 20);
  std::setvbuf(f, buf.data(), _IOFBF, buf.size());
  std::mt19937_64 rng(12345);
  std::uint64_t written = 0;
  std::int64_t us = leadscout::common::days_from_civil(2025, 7, 6) * 86400000000LL + 8LL * 3600 * 1000000;
  char line[1024];
  std::uint64_t item = 0;
  while (written < bytes) {
    us += static_cast<std::int64_t>(rng() % 20000);
    const std::string ts = lg::format_timestamp_us(us);
    const auto r = rng() % 100;
    const char* name = names[rng() % std::size(names)];
    const unsigned p = static_cast<unsigned>(rng() % 2);
    int n;
    if (r < 45) {
      n = std::snprintf(line, sizeof line,
                        R"({"timestamp":"%s","level":"debug","logger":"classification","event":"Rule classification attempt","operation":"logistics_demo","batch_id":%u,"item_id":%llu,"name":"%s","method":"rule","matched":%s,"confidence":0.%02u})"
                        "\n",
                        ts.c_str(), static_cast<unsigned>(item / 500), static_cast<unsigned long long>(item),
                        name, rng() % 2 ? "true" : "false", static_cast<unsigned>(rng() % 100));
    } else if (r < 65) {
      const unsigned prompt = 150 + static_cast<unsigned>(rng() % 200);
      const unsigned completion = 5 + static_cast<unsigned>(rng() % 40);
      n = std::snprintf(line, sizeof line,
                        R"({"timestamp":"%s","level":"info","logger":"api","event":"LLM call","operation":"logistics_demo","item_id":%llu,"provider":"%s","model":"%s","prompt_tokens":%u,"completion_tokens":%u,"cost_usd":%.6f,"latency_ms":%u,"outcome":"ok"})"
                        "\n",
                        ts.c_str(), static_cast<unsigned long long>(item), providers[p], models[p], prompt,
                        completion, (prompt + completion) * 0.0000015,
                        1200 + static_cast<unsigned>(rng() % 1300));
    } else if (r < 95) {
      n = std::snprintf(line, sizeof line,
                        R"({"timestamp":"%s","level":"info","logger":"production","event":"Item processed","operation":"logistics_demo","batch_id":%u,"item_id":%llu,"name":"%s","result":"%s","confidence":0.85,"provider":"%s","elapsed_ms":%u})"
                        "\n",
                        ts.c_str(), static_cast<unsigned>(item / 500), static_cast<unsigned long long>(item),
                        name, labels[rng() % 3], providers[p], 5 + static_cast<unsigned>(rng() % 2500));
    } else if (r < 99) {
      n = std::snprintf(line, sizeof line,
                        R"({"timestamp":"%s","level":"warning","logger":"classification","event":"LLM fallback triggered","operation":"logistics_demo","item_id":%llu,"name":"%s","provider":"anthropic","attempt":2})"
                        "\n",
                        ts.c_str(), static_cast<unsigned long long>(item), name);
    } else {
      n = std::snprintf(line, sizeof line,
                        R"({"timestamp":"%s","level":"error","logger":"api","event":"Provider unreachable","operation":"logistics_demo","item_id":%llu,"provider":"%s","attempt":1,"exception":"std::runtime_error: connection reset by peer, simulated"})"
                        "\n",
                        ts.c_str(), static_cast<unsigned long long>(item), providers[p]);
    }
    if (r >= 65 && r < 95) ++item;
    std::fwrite(line, 1, static_cast<std::size_t>(n), f);
    written += static_cast<std::uint64_t>(n);
  }
  std::fclose(f);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t size_mb = 200;
  int runs = 3;
  bool keep = false;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--size-mb" && i + 1 < argc) {
      size_mb = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--file" && i + 1 < argc) {
      file = argv[++i];
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--keep") {
      keep = true;
    } else {
      std::cerr << "usage: bench_logs_summary [--size-mb N] [--file PATH] [--keep] [--runs N]\n";
      return a == "--help" ? 0 : 2;
    }
  }
  const std::uint64_t bytes = size_mb * 1000 * 1000;
  const fs::path path = file.empty() ? fs::temp_directory_path() / "leadscout-logs-bench.log" : fs::path(file);
  std::error_code ec;
  if (!fs::exists(path, ec) || fs::file_size(path, ec) < bytes) {
    std::cout << "generating " << size_mb << " MB into " << path.string() << " ..." << std::endl;
    generate(path, bytes);
  }
  const auto actual = fs::file_size(path);

  lg::SummaryOptions opt;
  opt.in.paths = {path.string()};
  std::vector<double> rates;
  for (int i = 0; i < runs; ++i) {
    std::ostringstream out;
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = lg::run_summary(opt, out, std::cerr);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (rc != 0) return rc;
    rates.push_back(static_cast<double>(actual) / 1e6 / s);
    std::printf("run %d: %.1f MB in %.3f s = %.0f MB/s\n", i + 1, static_cast<double>(actual) / 1e6, s,
                rates.back());
    if (i == 0) std::cout << out.str();
  }
  std::sort(rates.begin(), rates.end());
  std::printf("summary throughput: median %.0f MB/s, best %.0f MB/s (%d runs, %.1f MB file)\n",
              rates[rates.size() / 2], rates.back(), runs, static_cast<double>(actual) / 1e6);
  if (!keep && file.empty()) fs::remove(path, ec);
  return 0;
}
