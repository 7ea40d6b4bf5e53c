// Phonetic codes for matching name spellings: Soundex and (original, 1990) Metaphone.
#pragma once

#include <string>
#include <string_view>

namespace demo {

/// American Soundex (the US census rules: H and W do not separate equal codes), e.g.
/// "Robert" -> "R163", "Tymczak" -> "T522". Letters other than A-Z are ignored; empty for none.
[[nodiscard]] std::string soundex(std::string_view word);

/// Lawrence Philips' original Metaphone, e.g. "Smith" -> "SM0" (0 is "th"), "Knight" -> "NT".
/// Letters other than A-Z are ignored; the code is not truncated. Empty for no letters.
[[nodiscard]] std::string metaphone(std::string_view word);

}  // namespace demo
