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
  /// What a request of `tokens` in all may cost: max_tokens of them output, the rest input.
  [[nodiscard]] double estimate(std::int64_t tokens, std::int64_t max_tokens) const noexcept {
    return cost(tokens - max_tokens, max_tokens);
  }
};

/// A row of the built-in table.
struct PriceRow {
  std::string_view model_prefix;
  Price price;
  Price batch;  ///< through the provider's batch API
};

/// The built-in table (docs/providers.md lists it).
[[nodiscard]] std::span<const PriceRow> price_table() noexcept;

/// The built-in price of `model` by its longest known prefix ("gpt-4o-mini-2024-07-18" is
/// priced as "gpt-4o-mini"); nullopt for a model not in the table.
[[nodiscard]] std::optional<Price> builtin_price(std::string_view model) noexcept;
/// The built-in batch price of `model`, as builtin_price() finds its row.
[[nodiscard]] std::optional<Price> builtin_batch_price(std::string_view model) noexcept;
/// Both providers' batch APIs charge half the online price.
[[nodiscard]] constexpr Price half_price(Price online) noexcept {
  return Price{online.input_per_mtok / 2, online.output_per_mtok / 2};
}

}  // namespace leadscout::llm::detail
