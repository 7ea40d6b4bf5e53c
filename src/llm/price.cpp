// The price table, from the providers' price pages (standard, not batch, prices).
#include "price.hpp"

#include <array>

namespace leadscout::llm::detail {

namespace {

constexpr std::array kTable = {
    PriceRow{"gpt-4o-mini", {0.15, 0.60}},        PriceRow{"gpt-4o", {2.50, 10.00}},
    PriceRow{"gpt-4.1-nano", {0.10, 0.40}},       PriceRow{"gpt-4.1-mini", {0.40, 1.60}},
    PriceRow{"gpt-4.1", {2.00, 8.00}},            PriceRow{"claude-3-haiku", {0.25, 1.25}},
    PriceRow{"claude-3-5-haiku", {0.80, 4.00}},   PriceRow{"claude-haiku-4-5", {1.00, 5.00}},
    PriceRow{"claude-3-5-sonnet", {3.00, 15.00}}, PriceRow{"claude-3-7-sonnet", {3.00, 15.00}},
    PriceRow{"claude-sonnet-4", {3.00, 15.00}},   PriceRow{"claude-opus-4", {15.00, 75.00}},
};

}  // namespace

std::span<const PriceRow> price_table() noexcept { return kTable; }

std::optional<Price> builtin_price(std::string_view model) noexcept {
  const PriceRow* best = nullptr;
  for (const PriceRow& row : kTable) {
    if (model.starts_with(row.model_prefix) && (best == nullptr || row.model_prefix.size() > best->model_prefix.size())) {
      best = &row;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->price;
}

}  // namespace leadscout::llm::detail
