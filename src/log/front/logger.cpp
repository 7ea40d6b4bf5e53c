// The logging front end: the logger registry, the emit path and the lifecycle.
#include "leadscout/log/init.hpp"

#include <cxxabi.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <typeinfo>
#include <unordered_map>

#include <fmt/format.h>
#include "queue/asymmetric_fence.hpp"
#include "queue/async_queue.hpp"
#include "context.hpp"
#include "direct_encoding.hpp"
#include "emitters.hpp"
#include "encoding.hpp"
#include "log_file_name.hpp"
#include "logger_match.hpp"
#include "back/router_sink.hpp"
#include "spdlog/spdlog_capture.hpp"

namespace leadscout::log {
namespace detail {
namespace {

constexpr std::size_t max_logger_name = 256;

/// Everything that exists between init() and shutdown().
struct State {
  Config cfg;
  std::shared_ptr<RouterSink> sink;
  std::unique_ptr<AsyncQueue> queue;  // async only
  std::atomic<std::uint64_t> next_ticket{0};

  [[nodiscard]] std::chrono::system_clock::time_point now() const {
    return cfg.clock ? cfg.clock() : std::chrono::system_clock::now();
  }
  /// When an event happened; the backend derives the wall time unless a clock is injected.
  [[nodiscard]] AsyncQueue::Stamp stamp() const { return cfg.clock ? queue->at(cfg.clock()) : queue->now(); }
  /// Encodes the event straight into the thread's queue ring, stamped first so that reading
  /// the clock overlaps the encoding; false when it needs encode_event().
  bool submit_direct(Level level, std::string_view logger, const DirectEvent& e) const {
    if (!queue) return false;
    const auto r = queue->reserve(stamp(), level, logger);
    if (r.ring == nullptr) return false;
    const char* end = direct_encode(e, r.payload, r.end);
    if (end == nullptr) return false;  // nothing is published: the general path writes it
    queue->commit(r, end);
    return true;
  }
  /// Queues the event for the backend, or writes it through here in sync mode.
  void submit(Level level, std::string_view logger, std::string_view payload) const {
    if (queue) {
      queue->push(stamp(), level, logger, payload);
    } else {
      sink->log(EventRecord{now(), level, logger, payload});
      sink->flush();
    }
  }
};

// The active state: shutdown() unpublishes it, then waits until no thread is inside emit()
// (see emitters.hpp) before it destroys anything.
std::atomic<State*> g_state{nullptr};
// Counts shutdown() calls: a spdlog capture lasts until the next one (see shutdowns()).
std::atomic<std::uint64_t> g_shutdowns{0};

// ---- registry ------------------------------------------------------------------------

struct Registry {
  /// Serialises init() and shutdown(); taken before `mutex`. A state is torn down under this
  /// one only, because tearing down writes to user sinks, which may call get().
  std::mutex lifecycle;
  std::mutex mutex;
  std::deque<Category> categories;
  std::unordered_map<std::string, Category*> by_name;
  bool exit_hook_installed = false;
};

Registry& registry() {
  static auto* r = new Registry();  // never destroyed: handles stay valid during exit
  return *r;
}

/// Lowest level of `name` that reaches any destination under cfg (nullptr: not initialised).
Level threshold_for(const std::string& name, const Config* cfg) {
  if (cfg == nullptr) return Level::warning;  // the stderr fallback
  Level own = cfg->level;
  std::size_t best = 0;
  for (const auto& [prefix, level] : cfg->logger_levels) {
    if (common::logger_covers(prefix, name) && prefix.size() >= best) own = level, best = prefix.size();
  }
  Level reach = Level::off;
  for (const Route& r : cfg->routes) {
    if (common::logger_globs_match(r.loggers, name)) reach = std::min(reach, r.min_level);
  }
  if (cfg->console != ConsoleMode::off && common::logger_globs_match(cfg->console_loggers, name)) reach = std::min(reach, cfg->console_level);
  if (!cfg->alerts.file.empty() || !cfg->alerts.command.empty()) reach = std::min(reach, cfg->alerts.level);
  return std::max(own, reach);
}

void recompute_thresholds(const Config* cfg) {
  for (auto& c : registry().categories) c.threshold.store(threshold_for(c.name, cfg), std::memory_order_relaxed);
}

// ---- the fallback before init() ------------------------------------------------------

void fallback_write(const Category& c, Level level, std::chrono::system_clock::time_point t, std::string_view payload) {
  if (level < Level::warning) return;  // a call that passed its level check just before shutdown()
  static std::mutex mutex;
  static Renderer renderer(32 * 1024, TimeZone::utc, Redactor());
  static DecodedEvent decoded;
  static std::string line;
  std::lock_guard lock(mutex);
  if (!decode_event(payload, decoded)) return;
  renderer.console(line, EventView{t, level, c.name, &decoded}, false);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

thread_local std::string t_payload;  // reused encode buffer

/// Whether a macro-logged event of `level` carries its source location (Config::source_location).
bool wants_source(const State* st, Level level) {
  switch (st != nullptr ? st->cfg.source_location : SourceMode::debug) {
    case SourceMode::off: return false;
    case SourceMode::debug: return level <= Level::debug;
    case SourceMode::all: return true;
  }
  return false;
}

std::string demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && d != nullptr ? d : name;
  std::free(d);
  return out;
}

void describe(const std::exception& e, std::string& out, int depth) {
  out += demangle(typeid(e).name());
  out += ": ";
  out += e.what();
  if (depth > 16) return;
  try {
    std::rethrow_if_nested(e);
  } catch (const std::exception& inner) {
    out += "; caused by ";
    describe(inner, out, depth + 1);
  } catch (...) {
    out += "; caused by an exception of unknown type";
  }
}

void check_writable(const Config& cfg) {
  try {
    make_directories(cfg.dir);
  } catch (const std::system_error& e) {
    throw leadscout::Error(fmt::format("log directory {} cannot be created: {}", cfg.dir.string(), e.code().message()));
  }
  const std::filesystem::path probe = cfg.dir / fmt::format(".leadscout-write-test-{}", ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) {
    throw leadscout::Error(fmt::format("log directory {} is not writable: {}", cfg.dir.string(), std::strerror(errno)));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  for (const Route& r : cfg.routes) {
    if (r.sink) {
      check_sink_route(r);
      continue;
    }
    if (r.file.empty()) throw leadscout::Error("log route with an empty file name");
    const std::filesystem::path file(r.file);
    if (file.parent_path().string().find("{date}") != std::string::npos) {
      throw leadscout::Error(fmt::format("log route \"{}\": {{date}} may only appear in the file name", r.file));
    }
    if (r.min_level > r.max_level) {
      throw leadscout::Error(fmt::format("log route \"{}\": min_level {} is above max_level {}", r.file,
                                    to_string(r.min_level), to_string(r.max_level)));
    }
  }
  if (cfg.max_line < 1024) throw leadscout::Error(fmt::format("max_line {} is below the minimum of 1024", cfg.max_line));
  if (cfg.queue_size < 16) throw leadscout::Error(fmt::format("queue_size {} is below the minimum of 16", cfg.queue_size));
  if (!common::valid_instance_name(cfg.instance)) {
    throw leadscout::Error(fmt::format("log instance \"{}\" is not valid: letters, digits, '-' and '_' only", cfg.instance));
  }
}

/// Takes the state out of use; called with the registry mutex held.
State* detach_locked() {
  State* st = g_state.exchange(nullptr);
  recompute_thresholds(nullptr);
  return st;
}

/// Writes out and destroys a detached state; called without the registry mutex.
void destroy(State* st) {
  if (st == nullptr) return;
  heavy_fence();  // see emitters.hpp
  while (emitters_inside()) std::this_thread::yield();
  const std::uint64_t dropped = st->queue ? st->queue->dropped() : 0;
  st->queue.reset();  // writes out everything queued, then joins the backend
  st->sink->close_files(st->now());
  st->sink->wait_for_maintenance();
  if (dropped != 0) {
    std::fprintf(stderr, "leadscout: %llu log events were dropped because the queue was full (overflow=drop)\n",
                 static_cast<unsigned long long>(dropped));
  }
  delete st;
}

}  // namespace

bool running() noexcept { return g_state.load() != nullptr; }

std::uint64_t shutdowns() noexcept { return g_shutdowns.load(); }

namespace {

/// Every event the caller's fast path does not take: exceptions, source locations, arrays,
/// objects and conversions, an injected clock, sync mode, before init(), and events larger than
/// the room left in the thread's ring.
[[gnu::noinline]] void emit_general(const State* st, const Category& category, std::string_view bound, Level level,
                                    std::string_view event, Fields fields, const std::exception* error,
                                    const SourceLocation* where) {
  SourceView source;
  const bool with_source = where != nullptr && wants_source(st, level);
  if (with_source) source = {where->file != nullptr ? where->file : "", where->line,
                             where->function != nullptr ? where->function : ""};
  // emit() has tried the direct path already for calls without a source location.
  if (error == nullptr && st != nullptr && where != nullptr &&
      st->submit_direct(level, category.name,
                        DirectEvent{category.id, event, current_context(), bound, fields, with_source ? &source : nullptr})) {
    return;
  }
  std::string error_text;
  if (error != nullptr) describe(*error, error_text, 0);
  encode_event(t_payload, category.id, event, current_context(), bound, fields, error_text, error != nullptr,
               with_source ? &source : nullptr);
  if (st == nullptr) {
    fallback_write(category, level, std::chrono::system_clock::now(), t_payload);
    return;
  }
  st->submit(level, category.name, t_payload);
}

}  // namespace

void emit(const Category& category, const std::string* bound, Level level, std::string_view event, Fields fields,
          const std::exception* error, const SourceLocation* where) {
  EmitterGuard guard;
  const State* st = g_state.load();
  const std::string_view bound_fields = bound != nullptr ? std::string_view(*bound) : std::string_view();
  if (st != nullptr && error == nullptr && where == nullptr &&
      st->submit_direct(level, category.name,
                        DirectEvent{category.id, event, current_context(), bound_fields, fields, nullptr})) {
    return;
  }
  emit_general(st, category, bound_fields, level, event, fields, error, where);
}

}  // namespace detail

// ---- public API ----------------------------------------------------------------------

const std::string& Logger::name() const noexcept { return category_->name; }

Logger Logger::bind(Fields fields) const {
  auto bound = std::make_shared<std::string>(bound_ ? *bound_ : std::string());
  detail::encode_fields(*bound, fields);
  return Logger(category_, std::move(bound));
}

Logger get(std::string_view name) {
  auto& reg = detail::registry();
  std::lock_guard lock(reg.mutex);
  const std::string key(name.substr(0, detail::max_logger_name));
  auto it = reg.by_name.find(key);
  if (it == reg.by_name.end()) {
    auto& c = reg.categories.emplace_back(key, static_cast<std::uint32_t>(reg.categories.size()));
    const detail::State* st = detail::g_state.load();
    c.threshold.store(detail::threshold_for(key, st != nullptr ? &st->cfg : nullptr));
    it = reg.by_name.emplace(key, &c).first;
  }
  return Logger(it->second, nullptr);
}

void init(const Config& cfg) {
  using namespace detail;
  check_writable(cfg);
  auto& reg = registry();
  std::lock_guard life(reg.lifecycle);
  State* old = nullptr;
  {
    std::lock_guard lock(reg.mutex);
    old = detach_locked();
  }
  destroy(old);
  std::lock_guard lock(reg.mutex);

  auto st = std::make_unique<State>();
  st->cfg = cfg;
  const auto now = st->now();
  st->sink = std::make_shared<RouterSink>(cfg, now);
  if (cfg.async) {
    RouterSink* sink = st->sink.get();
    st->queue = std::make_unique<AsyncQueue>(
        QueueOptions{.capacity_events = cfg.queue_size, .block_when_full = cfg.overflow == Overflow::block},
        [sink](const EventRecord& record) {
          try {
            sink->log(record);
          } catch (const std::exception& e) {  // e.g. bad_alloc: count it, keep the backend alive
            sink->sink_errors.fetch_add(1, std::memory_order_relaxed);
            std::fprintf(stderr, "leadscout: logging error: %s\n", e.what());
          }
        },
        [sink] { sink->flush(); });  // an idle backend writes its buffers out for tail -f
  }
  st->sink->schedule_maintenance(st->sink->current_date());
  State* raw = st.release();
  g_state.store(raw);
  recompute_thresholds(&raw->cfg);
  if (!reg.exit_hook_installed) {
    std::atexit([] { shutdown(); });
    reg.exit_hook_installed = true;
  }
}

void flush() {
  using namespace detail;
  EmitterGuard guard;
  State* st = g_state.load();
  if (st == nullptr) return;
  if (!st->queue) {
    st->sink->flush();
    return;
  }
  // A barrier event: the backend flushes every file when it reaches it, so everything queued
  // before it is on disk once its ticket is done. Barriers are never dropped, even in drop mode.
  const std::uint64_t ticket = st->next_ticket.fetch_add(1) + 1;
  std::string payload;
  encode_event(payload, barrier_category, std::to_string(ticket), {}, {}, {}, {}, false);
  st->queue->push(st->now(), Level::critical, "leadscout", payload, true);
  st->sink->wait_for_barrier(ticket);
}

void preallocate() {
  detail::EmitterGuard guard;
  const detail::State* st = detail::g_state.load();
  if (st != nullptr && st->queue) st->queue->preallocate();
}

void shutdown() {
  auto& reg = detail::registry();
  std::lock_guard life(reg.lifecycle);
  detail::State* st = nullptr;
  {
    std::lock_guard lock(reg.mutex);
    st = detail::detach_locked();
  }
  detail::destroy(st);
  detail::g_shutdowns.fetch_add(1);
}

Stats stats() {
  using namespace detail;
  EmitterGuard guard;
  Stats s;
  const State* st = g_state.load();
  if (st == nullptr) return s;
  for (std::size_t i = 0; i < s.events_by_level.size(); ++i) s.events_by_level[i] = st->sink->events_by_level[i].load();
  s.sink_errors = st->sink->sink_errors.load();
  s.dropped = st->queue ? st->queue->dropped() : 0;
  return s;
}

std::vector<std::string> recent_events(Level min_level, std::size_t limit) {
  using namespace detail;
  EmitterGuard guard;
  const State* st = g_state.load();
  if (st == nullptr) return {};
  return st->sink->recent_events(min_level, limit);
}

std::filesystem::path log_dir() {
  using namespace detail;
  EmitterGuard guard;
  const State* st = g_state.load();
  return st != nullptr ? st->cfg.dir : std::filesystem::path("logs");
}

}  // namespace leadscout::log
