// What a model's tokens cost: the built-in table, by the longest known prefix of the model.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace leadscout::llm::detail {

/// A model's price in US dollars per million tokens.
struct Price {
  double input_per_mtok = 0;
  double output_per_mtok = 0;
  [[nodiscard]] double cost(std::int64_t input_tokens, std::int64_t output_tokens) const noexcept {
    return (static_cast<double>(input_tokens) * input_per_mtok + static_cast<double>(output_tokens) * output_per_mtok) /
           1e6;
  }
};

/// A row of the built-in table.
struct PriceRow {
  std::string_view model_prefix;
  Price price;
};

/// The built-in table (docs/providers.md lists it).
[[nodiscard]] std::span<const PriceRow> price_table() noexcept;

/// The built-in price of `model` by its longest known prefix ("gpt-4o-mini-2024-07-18" is
/// priced as "gpt-4o-mini"); nullopt for a model not in the table.
[[nodiscard]] std::optional<Price> builtin_price(std::string_view model) noexcept;

}  // namespace leadscout::llm::detail
