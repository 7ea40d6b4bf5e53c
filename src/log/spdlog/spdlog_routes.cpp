#include "spdlog_routes.hpp"

#include <cstdio>
#include <exception>

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/sink.h>

#include "spdlog_level.hpp"

namespace leadscout::log::detail {
namespace {

/// Marks this thread as inside a spdlog sink for the guard's lifetime.
class InUserSink {
 public:
  InUserSink() noexcept : previous_(t_in_user_sink) { t_in_user_sink = true; }
  ~InUserSink() { t_in_user_sink = previous_; }
  InUserSink(const InUserSink&) = delete;
  InUserSink& operator=(const InUserSink&) = delete;

 private:
  bool previous_;
};

}  // namespace

void UserSink::log(std::chrono::system_clock::time_point time, Level level, std::string_view logger,
                   std::string_view line) noexcept {
  InUserSink guard;
  try {
    const spdlog::details::log_msg msg(time, spdlog::source_loc{}, spdlog::string_view_t(logger.data(), logger.size()),
                                       to_spdlog(level), spdlog::string_view_t(line.data(), line.size()));
    if (sink_->should_log(msg.level)) sink_->log(msg);
    succeeded();
  } catch (const std::exception& e) {
    failed(e.what());
  } catch (...) {
    failed("an exception of unknown type");
  }
}

void UserSink::flush() noexcept {
  InUserSink guard;
  try {
    sink_->flush();
  } catch (const std::exception& e) {
    failed(e.what());
  } catch (...) {
    failed("an exception of unknown type");
  }
}

void UserSink::failed(const char* what) noexcept {
  errors_.fetch_add(1, std::memory_order_relaxed);
  // Reported once per failing spell, so a broken sink cannot flood stderr.
  if (!failing_.exchange(true)) {
    std::fprintf(stderr, "leadscout: a log route's spdlog sink failed: %s (further failures are counted)\n", what);
  }
}

void UserSink::succeeded() noexcept {
  if (failing_.load(std::memory_order_relaxed) && failing_.exchange(false)) {
    std::fprintf(stderr, "leadscout: a log route's spdlog sink works again\n");
  }
}

void SinkHandoff::add(UserSink& sink, const EventRecord& record, std::string_view line, bool flush) {
  if (count_ == lines_.size()) lines_.emplace_back();
  Line& l = lines_[count_++];
  l.sink = &sink;
  l.time = record.time;
  l.level = record.level;
  l.logger.assign(record.logger);
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  l.text.assign(line);
  l.flush = flush;
}

void SinkHandoff::deliver() noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    const Line& l = lines_[i];
    l.sink->log(l.time, l.level, l.logger, l.text);
    if (l.flush) l.sink->flush();
  }
  count_ = 0;
  if (flush_all_ != nullptr) {
    for (UserSink* s : *flush_all_) s->flush();
    flush_all_ = nullptr;
  }
}

}  // namespace leadscout::log::detail
