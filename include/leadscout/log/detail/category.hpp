// A logger's shared state. Categories live until the process exits, so handles never dangle.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "leadscout/log/level.hpp"

namespace leadscout::log::detail {

struct Category {
  Category(std::string n, std::uint32_t i) : name(std::move(n)), id(i) {}
  const std::string name;
  const std::uint32_t id;
  /// Lowest level that reaches any destination; recomputed by init() and shutdown().
  std::atomic<Level> threshold{Level::warning};
};

inline Level category_threshold(const Category& category) noexcept {
  return category.threshold.load(std::memory_order_relaxed);
}

}  // namespace leadscout::log::detail
