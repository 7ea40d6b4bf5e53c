// Context fields per thread: ScopedContext adds them, Context carries them to another thread.
#include "context.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "encoding.hpp"
#include "leadscout/log/logger.hpp"

namespace leadscout::log {
namespace detail {
namespace {

/// The encoded fields of the live scopes, kept concatenated because every event copies them,
/// and which bytes belong to which scope, so a scope removes its own even out of order.
struct ThreadContext {
  struct Entry {
    std::uint64_t id;
    std::size_t size;
  };
  std::string encoded;
  std::vector<Entry> entries;
  std::uint64_t next_id = 1;

  /// Records the bytes appended since `from` as a new scope's.
  std::uint64_t push(std::size_t from) {
    entries.push_back({next_id, encoded.size() - from});
    return next_id++;
  }

  /// Removes a scope's bytes; the innermost (the usual case) costs a resize.
  void remove(std::uint64_t id) {
    std::size_t end = encoded.size();
    for (auto it = entries.end(); it != entries.begin();) {
      --it;
      end -= it->size;  // now the offset of *it
      if (it->id == id) {
        encoded.erase(end, it->size);
        entries.erase(it);
        return;
      }
    }
  }

  /// Appends with `append`, keeping the bytes whole if it throws.
  template <class F>
  std::uint64_t add(F&& append) {
    const std::size_t from = encoded.size();
    try {
      append(encoded);
    } catch (...) {
      encoded.resize(from);
      throw;
    }
    return push(from);
  }
};

[[gnu::tls_model("initial-exec")]] thread_local ThreadContext t_context;

}  // namespace

std::string_view current_context() noexcept { return t_context.encoded; }

}  // namespace detail

Context Context::capture() {
  Context c;
  c.encoded_ = detail::t_context.encoded;
  return c;
}

ScopedContext::ScopedContext(Fields fields)
    : id_(detail::t_context.add([&](std::string& out) { detail::encode_fields(out, fields); })) {}

ScopedContext::ScopedContext(const Context& captured)
    : id_(detail::t_context.add([&](std::string& out) { out += captured.encoded_; })) {}

ScopedContext::~ScopedContext() { detail::t_context.remove(id_); }

}  // namespace leadscout::log
