// A child process for the result sink tests: runs a batch into a result file.
//   results_child <progress_dir> <items> <item_us> jsonl|csv|jsonl-stream <results_file>
// jsonl-stream reads the items from a generator instead of a vector.
// Exits with exit_code(); a SIGKILL may come at any moment.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <leadscout/batch.hpp>

#include "generated_items.hpp"

namespace lb = leadscout::batch;

namespace {

struct Item {
  std::string id;
  int value = 0;
};

struct Out {
  int doubled = 0;
  std::string note;
};
void to_json(nlohmann::json& j, const Out& o) { j = nlohmann::json{{"doubled", o.doubled}, {"note", o.note}}; }
void from_json(const nlohmann::json& j, Out& o) {
  j.at("doubled").get_to(o.doubled);
  j.at("note").get_to(o.note);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: results_child <progress_dir> <items> <item_us> jsonl|csv|jsonl-stream <results_file>\n");
    return 2;
  }
  const int n = std::atoi(argv[2]);
  const int item_us = std::atoi(argv[3]);
  const std::string format = argv[4];
  const auto make = [](std::size_t i) { return Item{"item-" + std::to_string(i), static_cast<int>(i)}; };
  lb::Options opt;
  opt.operation = "results_child";
  opt.progress_dir = argv[1];
  opt.concurrency = 4;
  opt.progress_bar = lb::ProgressBarMode::off;
  opt.results = format == "csv" ? lb::csv_results(argv[5]) : lb::jsonl_results(argv[5]);
  if (format == "jsonl-stream") opt.operation = "results_child_stream";
  lb::BackgroundProcessor<Item, Out> proc(opt);
  const auto work = [&](const Item& item, lb::Context&) -> lb::Outcome<Out> {
    std::this_thread::sleep_for(std::chrono::microseconds(item_us));
    // Commas, quotes and line breaks exercise the CSV quoting that recovery reads back.
    return Out{item.value * 2, "a, \"quoted\"\nnote " + item.id};
  };
  if (format == "jsonl-stream") {
    leadscout::test::batch::GeneratedItems<Item, decltype(make)> generated(static_cast<std::size_t>(n), make);
    const auto summary = proc.run(generated, work);
    return summary.results.empty() ? lb::exit_code(summary) : 2;
  }
  std::vector<Item> items;
  for (int i = 0; i < n; ++i) items.push_back(make(static_cast<std::size_t>(i)));
  const auto summary = proc.run(items, work);
  return summary.results.empty() ? lb::exit_code(summary) : 2;
}
