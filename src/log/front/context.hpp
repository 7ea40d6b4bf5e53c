// The thread's context: the fields of the ScopedContexts alive on it.
#pragma once

#include <string_view>

namespace leadscout::log::detail {

/// The encoded fields of the ScopedContexts alive on this thread, outermost first.
[[nodiscard]] std::string_view current_context() noexcept;

}  // namespace leadscout::log::detail
