// spdlog's sink type, declared without spdlog's headers: leadscout's headers compile without
// spdlog on the include path, and only a program that builds sinks needs it.
#pragma once

#include <memory>

namespace spdlog::sinks {
class sink;
}  // namespace spdlog::sinks
