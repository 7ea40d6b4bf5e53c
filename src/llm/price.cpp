// The price table, from the providers' price pages: standard prices, and batch prices at half.
#include "price.hpp"

#include <array>

namespace leadscout::llm::detail {

namespace {

constexpr PriceRow row(std::string_view prefix, double input, double output) {
  return PriceRow{prefix, Price{input, output}, half_price(Price{input, output})};
}

constexpr std::array kTable = {
    row("gpt-4o-mini", 0.15, 0.60),        row("gpt-4o", 2.50, 10.00),
    row("gpt-4.1-nano", 0.10, 0.40),       row("gpt-4.1-mini", 0.40, 1.60),
    row("gpt-4.1", 2.00, 8.00),            row("claude-3-haiku", 0.25, 1.25),
    row("claude-3-5-haiku", 0.80, 4.00),   row("claude-haiku-4-5", 1.00, 5.00),
    row("claude-3-5-sonnet", 3.00, 15.00), row("claude-3-7-sonnet", 3.00, 15.00),
    row("claude-sonnet-4", 3.00, 15.00),   row("claude-opus-4", 15.00, 75.00),
};

}  // namespace

std::span<const PriceRow> price_table() noexcept { return kTable; }

namespace {

const PriceRow* find_row(std::string_view model) noexcept {
  const PriceRow* best = nullptr;
  for (const PriceRow& row : kTable) {
    if (model.starts_with(row.model_prefix) && (best == nullptr || row.model_prefix.size() > best->model_prefix.size())) {
      best = &row;
    }
  }
  return best;
}

}  // namespace

std::optional<Price> builtin_price(std::string_view model) noexcept {
  const PriceRow* row = find_row(model);
  if (row == nullptr) return std::nullopt;
  return row->price;
}

std::optional<Price> builtin_batch_price(std::string_view model) noexcept {
  const PriceRow* row = find_row(model);
  if (row == nullptr) return std::nullopt;
  return row->batch;
}

}  // namespace leadscout::llm::detail
