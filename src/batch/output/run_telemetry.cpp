// A run's callback histograms and counters: checked as they are recorded, so that the
// Prometheus file they join always parses.
#include "run_telemetry.hpp"

#include <algorithm>
#include <cmath>

#include "files.hpp"
#include "leadscout/error.hpp"

namespace leadscout::batch::detail {

namespace {

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

/// A metric name of the text format: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool valid_metric_name(std::string_view name) {
  if (name.empty() || !(name_start(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return name_char(c) || c == ':'; });
}

/// A label name: [a-zA-Z_][a-zA-Z0-9_]*, and not one of the names reserved to Prometheus (__*).
bool valid_label_name(std::string_view name) {
  if (name.empty() || !name_start(name[0]) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(), name_char);
}

/// Families the run and the monitoring server write themselves.
bool reserved_family(std::string_view name) {
  for (std::string_view prefix : {"leadscout_batch_", "leadscout_quota_", "leadscout_log_", "leadscout_build_"}) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

/// The stem of a histogram's sample name (`x` of `x_bucket`, `x_sum`, `x_count`), or empty.
std::string_view histogram_stem(std::string_view name) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) return name.substr(0, name.size() - suffix.size());
  }
  return {};
}

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

/// `labels` as one series' key, ordered by name; throws Error for a name the exposition cannot
/// carry or that it adds itself.
std::vector<std::pair<std::string, std::string>> label_set(std::string_view family, std::span<const MetricLabel> labels,
                                                           bool histogram) {
  std::vector<std::pair<std::string, std::string>> set;
  set.reserve(labels.size());
  for (const auto& [name, value] : labels) {
    if (!valid_label_name(name)) {
      throw leadscout::Error("metric " + std::string(family) + ": label name " + in_quotes(name) + " is not valid");
    }
    if (name == "operation" || name == "shard" || (histogram && name == "le")) {
      throw leadscout::Error("metric " + std::string(family) + ": label " + in_quotes(name) +
                             " is reserved (the exposition adds it)");
    }
    set.emplace_back(name, value);
  }
  std::sort(set.begin(), set.end());
  const auto twice = std::adjacent_find(set.begin(), set.end(),
                                        [](const auto& a, const auto& b) { return a.first == b.first; });
  if (twice != set.end()) {
    throw leadscout::Error("metric " + std::string(family) + ": label " + in_quotes(twice->first) + " given twice");
  }
  return set;
}

/// `# HELP` text: a backslash and a line break escaped, as the text format wants.
std::string help_escape(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

RunTelemetry::Family& RunTelemetry::family(std::string_view name, std::string_view help, bool histogram,
                                           std::span<const double> bounds) {
  const auto kind = [](bool h) { return h ? "a histogram" : "a counter"; };
  if (auto it = families_.find(name); it != families_.end()) {
    Family& f = it->second;
    if (f.histogram != histogram) {
      throw leadscout::Error("metric " + std::string(name) + " is " + kind(f.histogram) + ", not " + kind(histogram));
    }
    if (histogram && !std::equal(f.bounds.begin(), f.bounds.end(), bounds.begin(), bounds.end())) {
      throw leadscout::Error("histogram " + std::string(name) + " was observed before with other buckets");
    }
    return f;
  }
  if (!valid_metric_name(name)) throw leadscout::Error("metric name " + in_quotes(name) + " is not valid");
  if (reserved_family(name)) throw leadscout::Error("metric name " + in_quotes(name) + " is reserved to leadscout");
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      throw leadscout::Error("histogram " + std::string(name) + ": buckets must be finite and ascending");
    }
  }
  // A histogram writes x_bucket, x_sum and x_count: no other family may have those names.
  const std::string_view stem = histogram_stem(name);
  const auto stem_family = families_.find(stem);
  const bool clash = (!stem.empty() && stem_family != families_.end() && stem_family->second.histogram) ||
                     (histogram && (families_.contains(std::string(name) + "_bucket") ||
                                    families_.contains(std::string(name) + "_sum") ||
                                    families_.contains(std::string(name) + "_count")));
  if (clash) throw leadscout::Error("metric " + std::string(name) + " clashes with a histogram's samples");
  Family& f = families_[std::string(name)];
  f.histogram = histogram;
  f.help = help_escape(help);
  f.bounds.assign(bounds.begin(), bounds.end());
  return f;
}

void RunTelemetry::observe(const Histogram& histogram, std::span<const MetricLabel> labels, double value) {
  if (!std::isfinite(value)) {
    throw leadscout::Error("histogram " + std::string(histogram.name) + ": the value must be finite");
  }
  LabelSet key = label_set(histogram.name, labels, true);
  std::lock_guard lock(m_);
  Family& f = family(histogram.name, histogram.help, true, histogram.buckets);
  Series& s = f.series[std::move(key)];
  if (s.buckets.empty()) s.buckets.resize(f.bounds.size() + 1);
  // The first bound at or above the value (`le` is "less than or equal"); past the last, +Inf.
  ++s.buckets[static_cast<std::size_t>(std::lower_bound(f.bounds.begin(), f.bounds.end(), value) - f.bounds.begin())];
  s.sum += value;
  ++s.count;
}

void RunTelemetry::count(std::string_view name, std::string_view help, std::span<const MetricLabel> labels,
                         double delta) {
  if (!std::isfinite(delta) || delta < 0.0) {
    throw leadscout::Error("counter " + std::string(name) + ": the delta must be finite and not negative");
  }
  LabelSet key = label_set(name, labels, false);
  std::lock_guard lock(m_);
  Family& f = family(name, help, false, {});
  Series& s = f.series[std::move(key)];
  s.sum += delta;
  ++s.count;
}

std::string RunTelemetry::prometheus(std::string_view leading_labels) const {
  std::string out;
  std::lock_guard lock(m_);
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + ' ' + f.help + "\n# TYPE " + name + (f.histogram ? " histogram\n" : " counter\n");
    for (const auto& [set, s] : f.series) {
      std::string labels(leading_labels);
      for (const auto& [label, value] : set) {
        if (!labels.empty()) labels += ',';
        labels += label + "=\"" + prom_escape(value) + '"';
      }
      if (!f.histogram) {
        out += name + '{' + labels + "} " + prom_number(s.sum) + '\n';
        continue;
      }
      const std::string open = name + "_bucket{" + labels + (labels.empty() ? "le=\"" : ",le=\"");
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < f.bounds.size(); ++i) {
        cumulative += s.buckets[i];
        out += open + prom_number(f.bounds[i]) + "\"} " + std::to_string(cumulative) + '\n';
      }
      cumulative += s.buckets.back();
      out += open + "+Inf\"} " + std::to_string(cumulative) + '\n';
      out += name + "_sum{" + labels + "} " + prom_number(s.sum) + '\n';
      out += name + "_count{" + labels + "} " + std::to_string(s.count) + '\n';
    }
  }
  return out;
}

}  // namespace leadscout::batch::detail
