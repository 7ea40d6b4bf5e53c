// Context: what a callback gets besides its item.
#include "leadscout/batch/context.hpp"

#include "leadscout/batch/detail/engine.hpp"

namespace leadscout::batch {

const leadscout::log::Logger& Context::log() { return detail::Engine::context_log(*this); }
void Context::metric(std::string_view name, std::int64_t delta) { detail::Engine::context_metric(*this, name, delta); }
void Context::set_current(std::string_view text) { detail::Engine::context_set_current(*this, text); }
Permit Context::acquire(std::string_view quota, Usage estimate) {
  return detail::Engine::context_acquire(*this, quota, estimate);
}

}  // namespace leadscout::batch
