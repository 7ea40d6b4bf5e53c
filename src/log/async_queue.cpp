#include "async_queue.hpp"

#include <cstring>

namespace leadscout::log::detail {
namespace {

constexpr auto nap = std::chrono::microseconds(200);
constexpr int naps_before_sleep = 50;  // 10 ms of quiet
// Under a steady stream a line reaches its file (and tail -f) within this delay.
constexpr auto max_flush_delay = std::chrono::milliseconds(50);

// Record layout in the arena: Header, logger name bytes, payload bytes.
struct Header {
  std::int64_t time_ns;
  std::uint32_t logger_size;
  std::uint32_t payload_size;
  std::int32_t level;
};

}  // namespace

AsyncQueue::AsyncQueue(std::size_t capacity_events, bool block_when_full, Handler handler, IdleHandler on_idle)
    : capacity_(capacity_events), block_(block_when_full), handler_(std::move(handler)), on_idle_(std::move(on_idle)) {
  front_.reserve(capacity_events * 128);
  thread_ = std::thread([this] { run(); });
}

AsyncQueue::~AsyncQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  backend_cv_.notify_one();
  thread_.join();
}

void AsyncQueue::push(std::chrono::system_clock::time_point time, spdlog::level::level_enum level,
                      std::string_view logger, std::string_view payload, bool always) {
  const Header h{std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count(),
                 static_cast<std::uint32_t>(logger.size()), static_cast<std::uint32_t>(payload.size()),
                 static_cast<std::int32_t>(level)};
  std::unique_lock lock(mutex_);
  if (front_events_ >= capacity_ && !always) {
    if (!block_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    producers_cv_.wait(lock, [this] { return front_events_ < capacity_; });
  }
  const char* header = reinterpret_cast<const char*>(&h);
  front_.insert(front_.end(), header, header + sizeof h);
  front_.insert(front_.end(), logger.begin(), logger.end());
  front_.insert(front_.end(), payload.begin(), payload.end());
  ++front_events_;
  if (backend_asleep_ || always) {  // a flush barrier must not wait for the next nap to end
    backend_asleep_ = false;
    lock.unlock();
    backend_cv_.notify_one();
  }
}

void AsyncQueue::run() {
  std::vector<char> batch;
  batch.reserve(front_.capacity());
  std::unique_lock lock(mutex_);
  int quiet_naps = 0;
  bool flushed = true;
  std::chrono::steady_clock::time_point unflushed_since;
  const auto flush = [&] {
    lock.unlock();
    on_idle_();
    lock.lock();
    flushed = true;
  };
  for (;;) {
    if (front_events_ == 0) {
      // Flushing as soon as one batch is written would cost a write(2) per event whenever
      // the backend keeps pace with its producers; it waits for a quiet nap instead.
      if (!flushed && (quiet_naps > 0 || stopping_)) {
        flush();
        continue;
      }
      if (stopping_) return;
      if (quiet_naps < naps_before_sleep) {
        ++quiet_naps;
        backend_cv_.wait_for(lock, nap);
      } else {
        backend_asleep_ = true;
        backend_cv_.wait(lock, [this] { return front_events_ != 0 || stopping_; });
        backend_asleep_ = false;
      }
      continue;
    }
    if (flushed) {
      unflushed_since = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - unflushed_since >= max_flush_delay) {
      flush();
      unflushed_since = std::chrono::steady_clock::now();
    }
    quiet_naps = 0;
    flushed = false;
    batch.swap(front_);
    front_events_ = 0;
    lock.unlock();
    producers_cv_.notify_all();  // once per batch, not once per event

    for (std::size_t at = 0; at < batch.size();) {
      Header h;
      std::memcpy(&h, batch.data() + at, sizeof h);
      const char* name = batch.data() + at + sizeof h;
      const char* payload = name + h.logger_size;
      const spdlog::details::log_msg msg(
          std::chrono::system_clock::time_point(
              std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(h.time_ns))),
          spdlog::source_loc{}, spdlog::string_view_t(name, h.logger_size),
          static_cast<spdlog::level::level_enum>(h.level), spdlog::string_view_t(payload, h.payload_size));
      handler_(msg);
      at += sizeof h + h.logger_size + h.payload_size;
    }
    batch.clear();
    lock.lock();
  }
}

}  // namespace leadscout::log::detail
