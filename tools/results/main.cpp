// leadscout-results: tools for a run's result files.
//   leadscout-results merge -o results.jsonl results.shard-*.jsonl
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "merge.hpp"

namespace rt = leadscout::results_tool;

int main(int argc, char** argv) {
  CLI::App app("Tools for the result files of leadscout batch runs (Options::results).", "leadscout-results");
  app.require_subcommand(1);
  std::filesystem::path output;
  std::vector<std::filesystem::path> inputs;
  CLI::App* merge = app.add_subcommand(
      "merge", "Merges the shards' result files (all .jsonl, or all .csv with one header) into one file holding "
               "each id once; a half-written last record (a killed shard) is dropped.");
  merge->add_option("-o,--output", output, "The merged file, replaced atomically")->required();
  merge->add_option("files", inputs, "The shards' result files")->required()->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  try {
    const rt::MergeReport r = rt::merge(inputs, output);
    std::fprintf(stderr, "leadscout-results: %zu results from %zu files into %s (%zu duplicates, %zu half-written dropped)\n",
                 r.results, r.files, output.c_str(), r.duplicates, r.torn);
    return 0;
  } catch (const rt::MergeError& e) {
    std::fprintf(stderr, "leadscout-results: %s\n", e.what());
    return 1;
  }
}
