// The shards of each operation summed into one row, quotas included.
#include "aggregate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <utility>

#include "text.hpp"

namespace leadscout::status {

using text::shard_label;

bool is_active(lb::Status status) noexcept {
  return status == lb::Status::starting || status == lb::Status::running;
}

lb::Status combine_status(const std::vector<lb::Status>& statuses) {
  const auto any = [&](lb::Status s) { return std::find(statuses.begin(), statuses.end(), s) != statuses.end(); };
  if (any(lb::Status::failed)) return lb::Status::failed;
  if (any(lb::Status::running)) return lb::Status::running;
  if (any(lb::Status::starting)) return lb::Status::starting;
  if (any(lb::Status::budget_exhausted)) return lb::Status::budget_exhausted;
  if (any(lb::Status::deadline_exceeded)) return lb::Status::deadline_exceeded;
  if (any(lb::Status::interrupted)) return lb::Status::interrupted;
  return lb::Status::completed;
}

namespace {

ShardRow shard_row_of(const ShardFile& f, const Environment& env) {
  ShardRow sr;
  sr.source = &f;
  sr.heartbeat_age_seconds = std::max(0.0, std::chrono::duration<double>(env.now - f.heartbeat).count());
  sr.pid = env.probe ? env.probe(f.snapshot.host, f.snapshot.pid) : PidState::unknown;
  return sr;
}

/// Adds one shard's counts to the operation's; `expected` turns unknown when a shard's total is.
void add_counts(OperationRow& row, const lb::ProgressSnapshot& s, std::optional<std::uint64_t>& expected) {
  row.processed += s.processed;
  row.total += s.total;
  row.total_known = row.total_known && s.total_known;
  if (expected && (s.total_known || s.expected_total)) {
    *expected += s.total_known ? s.total : *s.expected_total;
  } else {
    expected.reset();
  }
  row.succeeded += s.succeeded;
  row.failed += s.failed;
  row.retried += s.retried;
  row.skipped_resumed += s.skipped_resumed;
  row.in_flight += s.in_flight;
}

void set_percentage(OperationRow& row, std::optional<std::uint64_t> expected) {
  if (!row.total_known) row.expected_total = expected;
  const std::uint64_t of = row.total_known ? row.total : expected.value_or(0);
  if (of > 0) {
    row.percentage = std::min(100.0, std::floor(static_cast<double>(row.processed) * 1000.0 / static_cast<double>(of)) / 10.0);
  } else {
    row.percentage = row.status == lb::Status::completed ? 100.0 : 0.0;
  }
}

/// Rate, ETA and liveness come from the shards still at work; when none is, from all of them.
void set_activity(OperationRow& row, bool any_active) {
  bool eta_known = any_active;
  bool any_dead = false, all_alive = true;
  for (const auto& sr : row.shards) {
    const auto& s = sr.source->snapshot;
    if (any_active && !is_active(s.status)) continue;
    row.rate_per_second += s.rate_per_second;
    if (s.eta_seconds) {
      row.eta_seconds = std::max(row.eta_seconds.value_or(0.0), *s.eta_seconds);
    } else {
      eta_known = false;
    }
    any_dead = any_dead || sr.pid == PidState::dead;
    all_alive = all_alive && sr.pid == PidState::alive;
  }
  if (!eta_known) row.eta_seconds.reset();
  row.pid = any_dead ? PidState::dead : all_alive ? PidState::alive : PidState::unknown;
}

OperationRow sum_shards(const std::string& operation, std::uint32_t shard_count,
                        const std::vector<const ShardFile*>& members, const Environment& env) {
  OperationRow row;
  row.operation = operation;
  row.shard_count = shard_count;
  std::vector<lb::Status> statuses;
  bool any_active = false;
  std::optional<std::uint64_t> expected = 0;
  for (const ShardFile* f : members) {
    const auto& s = f->snapshot;
    row.shards.push_back(shard_row_of(*f, env));
    statuses.push_back(s.status);
    any_active = any_active || is_active(s.status);
    add_counts(row, s, expected);
    add(row.llm_cache, llm_cache_of(s));
    row.heartbeat_age_seconds = std::max(row.heartbeat_age_seconds, row.shards.back().heartbeat_age_seconds);
    if (!s.reason.empty()) {
      row.reasons.push_back(members.size() > 1 && f->name.shard ? shard_label(*f->name.shard) + ": " + s.reason
                                                                : s.reason);
    }
  }
  row.status = combine_status(statuses);
  set_percentage(row, expected);
  set_activity(row, any_active);
  for (auto& sr : row.shards) {
    sr.quotas = sum_quotas({{&sr.source->snapshot, is_active(sr.source->snapshot.status)}}, env.now);
    add_by_name(row.quotas, sr.quotas);
  }
  return row;
}

}  // namespace

std::vector<OperationRow> aggregate(const std::vector<ShardFile>& files, const Environment& env) {
  std::map<std::pair<std::string, std::uint32_t>, std::vector<const ShardFile*>> groups;
  for (const auto& f : files) {
    groups[{f.name.operation, f.name.shard ? f.name.shard->count : 0U}].push_back(&f);
  }
  std::vector<OperationRow> rows;
  for (const auto& [key, members] : groups) rows.push_back(sum_shards(key.first, key.second, members, env));
  return rows;
}

}  // namespace leadscout::status
