// The demo's name data: the generator's pools and the classifier's small rule dictionary.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace demo {

/// Name-origin labels, in the order the generator's pools use them.
inline constexpr std::string_view kAfrican = "african";
inline constexpr std::string_view kAfrikaans = "afrikaans";
inline constexpr std::string_view kEnglish = "english";
inline constexpr std::string_view kIndian = "indian";
inline constexpr std::string_view kPortuguese = "portuguese";

/// A name part ("DLAMINI") and the origin it stands for.
struct NamePart {
  std::string_view text;
  std::string_view origin;
};

/// One origin's pool of given names and surnames, with its share of generated leads.
struct NamePool {
  std::string_view origin;
  double weight;
  std::span<const std::string_view> given_names;
  std::span<const std::string_view> surnames;
};

/// The generator's pools, every origin once.
[[nodiscard]] std::span<const NamePool> name_pools() noexcept;

/// The classifier's built-in dictionary: a small subset of the pools (upper case).
[[nodiscard]] std::span<const NamePart> rule_dictionary() noexcept;

/// Words of company names that say nothing about origin ("LOGISTICS", "(PTY)", "CC", "&").
[[nodiscard]] bool is_company_word(std::string_view upper_word) noexcept;

/// The origin of any part in the pools (what the simulated LLM "knows"); nullopt otherwise.
[[nodiscard]] std::optional<std::string_view> pool_origin(std::string_view upper_part) noexcept;

}  // namespace demo
