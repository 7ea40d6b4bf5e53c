#include "stats.hpp"

#include "logger_match.hpp"

#include <algorithm>
#include <cmath>

namespace leadscout::logs_tool {

namespace {

// gamma = (1 + a) / (1 - a): a value in bucket i lies in (gamma^(i-1), gamma^i] and is
// represented by 2 gamma^i / (gamma + 1), at most `a` away relatively.
const double sketch_gamma =
    (1 + QuantileSketch::relative_error) / (1 - QuantileSketch::relative_error);
const double sketch_log_gamma = std::log(sketch_gamma);

int bucket_index(double magnitude) {
  return static_cast<int>(std::ceil(std::log(magnitude) / sketch_log_gamma));
}

double bucket_value(int index) {
  return 2 * std::pow(sketch_gamma, index) / (sketch_gamma + 1);
}

}  // namespace

void FilterSpec::prepare() {
  re_.reset();
  if (regex && !grep.empty()) re_.emplace(grep, std::regex::ECMAScript | std::regex::optimize);
}

bool FilterSpec::matches(const Event& e) const {
  if (min_level && e.lvl < *min_level) return false;
  if (since_us && e.time_us < *since_us) return false;
  if (until_us && e.time_us > *until_us) return false;
  if (!loggers.empty()) {
    const std::string name = resolved(e.logger, e.logger_escaped);
    const auto selects = [&name](const std::string& glob) { return common::logger_glob_matches(glob, name); };
    if (std::none_of(loggers.begin(), loggers.end(), selects)) return false;
  }
  for (const auto& [key, value] : where) {
    const Field* f = e.find(key);
    if (f == nullptr || value_string(*f) != value) return false;
  }
  if (!grep.empty()) {
    if (re_) {
      if (!std::regex_search(e.line.begin(), e.line.end(), *re_)) return false;
    } else if (e.line.find(grep) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

std::uint64_t& BoundedCounter::add(std::string_view key, std::uint64_t n) {
  auto it = counts_.find(key);
  if (it == counts_.end()) {
    if (counts_.size() >= max_keys) {
      other_ += n;
      return other_;
    }
    it = counts_.emplace(std::string(key), 0).first;
  }
  it->second += n;
  return it->second;
}

std::vector<std::pair<std::string, std::uint64_t>> BoundedCounter::top(std::size_t n) const {
  std::vector<std::pair<std::string, std::uint64_t>> all(counts_.begin(), counts_.end());
  const auto by_count = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  if (all.size() > n) {
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), by_count);
    all.resize(n);
  } else {
    std::sort(all.begin(), all.end(), by_count);
  }
  if (other_ > 0) all.emplace_back("(other)", other_);
  return all;
}

void QuantileSketch::add(double v) {
  if (std::isnan(v)) return;
  ++count_;
  sum_ += v;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  if (!bucketed_) {
    values_.push_back(v);
    sorted_ = false;
    if (values_.size() > exact_limit) {
      bucketed_ = true;
      for (double x : values_) bucket(x);
      values_.clear();
      values_.shrink_to_fit();
    }
    return;
  }
  bucket(v);
}

void QuantileSketch::bucket(double v) {
  if (v == 0 || std::isinf(v)) {
    // infinities are reflected by min/max; the buckets keep them as zeros to stay finite
    ++zeros_;
  } else if (v > 0) {
    ++positive_[bucket_index(v)];
  } else {
    ++negative_[bucket_index(-v)];
  }
}

double QuantileSketch::quantile(double q) const {
  if (count_ == 0) return 0.0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  if (!bucketed_) {
    if (!sorted_) {
      std::sort(values_.begin(), values_.end());
      sorted_ = true;
    }
    return values_[rank - 1];
  }
  if (rank == count_) return max_;
  if (rank == 1) return min_;
  std::vector<std::pair<int, std::uint64_t>> neg(negative_.begin(), negative_.end());
  std::sort(neg.begin(), neg.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::uint64_t seen = 0;
  for (const auto& [index, n] : neg) {
    seen += n;
    if (seen >= rank) return std::clamp(-bucket_value(index), min_, max_);
  }
  seen += zeros_;
  if (seen >= rank) return std::clamp(0.0, min_, max_);
  std::vector<std::pair<int, std::uint64_t>> pos(positive_.begin(), positive_.end());
  std::sort(pos.begin(), pos.end());
  for (const auto& [index, n] : pos) {
    seen += n;
    if (seen >= rank) return std::clamp(bucket_value(index), min_, max_);
  }
  return max_;
}

void SummaryStats::add(const Event& e) {
  ++events;
  ++by_level[static_cast<std::size_t>(e.lvl)];
  first_us = std::min(first_us, e.time_us);
  last_us = std::max(last_us, e.time_us);
  if (e.logger_escaped) {
    by_logger.add(unescape(e.logger));
  } else if (last_logger_count_ != nullptr && e.logger == last_logger_) {
    ++*last_logger_count_;
  } else {
    last_logger_count_ = &by_logger.add(e.logger);
    last_logger_.assign(e.logger);
  }
  if (e.lvl >= Level::warning) {
    key_.assign(level_name(e.lvl));
    key_.push_back('\0');
    key_.append(resolved(e.logger, e.logger_escaped));
    key_.push_back('\0');
    key_.append(resolved(e.name, e.name_escaped));
    (e.lvl == Level::warning ? warnings : errors).add(key_);
  }
}

bool UsageTotals::add(const Event& e) {
  const auto tokens_v = e.number("tokens");
  const auto prompt = e.number("prompt_tokens");
  const auto completion = e.number("completion_tokens");
  const auto cost = e.number("cost_usd");
  if (!tokens_v && !prompt && !completion && !cost) return false;
  ++calls;
  if (prompt) prompt_tokens += *prompt;
  if (completion) completion_tokens += *completion;
  if (tokens_v) {
    tokens += *tokens_v;
  } else {
    tokens += prompt.value_or(0) + completion.value_or(0);
  }
  if (cost) cost_usd += *cost;
  return true;
}

void PerfStats::add(const Event& e) {
  std::optional<double> v;
  if (field.empty()) {
    v = e.number("latency_ms");
    if (!v) v = e.number("elapsed_ms");
  } else {
    v = e.number(field);
  }
  UsageTotals usage;
  const bool has_usage = usage.add(e);
  if (!v && !has_usage) return;

  const ::leadscout::logs_tool::Field* g = e.find(by);
  std::string key = g == nullptr ? std::string("(none)") : value_string(*g);
  auto it = groups.find(key);
  if (it == groups.end()) {
    if (groups.size() >= max_groups) key = "(other)";
    it = groups.try_emplace(std::move(key)).first;
  }
  if (v) {
    ++measured;
    it->second.values.add(*v);
  }
  if (has_usage) {
    for (auto* t : {&it->second.usage, &total_usage}) {
      t->calls += usage.calls;
      t->tokens += usage.tokens;
      t->prompt_tokens += usage.prompt_tokens;
      t->completion_tokens += usage.completion_tokens;
      t->cost_usd += usage.cost_usd;
    }
  }
}

}  // namespace leadscout::logs_tool
