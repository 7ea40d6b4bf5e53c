// Soundex and Metaphone.
#include "phonetic.hpp"

#include <cctype>

namespace demo {

namespace {

/// The word in upper case with everything but A-Z removed.
std::string letters_only(std::string_view word) {
  std::string out;
  out.reserve(word.size());
  for (const char c : word) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u) != 0 && u < 128) out += static_cast<char>(std::toupper(u));
  }
  return out;
}

char soundex_digit(char c) {
  switch (c) {
    case 'B': case 'F': case 'P': case 'V': return '1';
    case 'C': case 'G': case 'J': case 'K': case 'Q': case 'S': case 'X': case 'Z': return '2';
    case 'D': case 'T': return '3';
    case 'L': return '4';
    case 'M': case 'N': return '5';
    case 'R': return '6';
    case 'H': case 'W': return 'h';  // transparent: does not separate equal codes
    default: return '0';             // vowels and Y: separate equal codes
  }
}

bool is_vowel(char c) { return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U'; }

}  // namespace

std::string soundex(std::string_view word) {
  const std::string w = letters_only(word);
  if (w.empty()) return {};
  std::string code(1, w[0]);
  char last = soundex_digit(w[0]);
  for (std::size_t i = 1; i < w.size() && code.size() < 4; ++i) {
    const char d = soundex_digit(w[i]);
    if (d == 'h') continue;
    if (d != '0' && d != last) code += d;
    last = d;
  }
  code.resize(4, '0');
  return code;
}

std::string metaphone(std::string_view word) {
  std::string w = letters_only(word);
  if (w.empty()) return {};
  std::string out;
  std::size_t i = 0;
  const auto starts = [&](std::string_view p) { return w.compare(0, p.size(), p) == 0; };
  // Initial exceptions.
  if (starts("AE") || starts("GN") || starts("KN") || starts("PN") || starts("WR")) {
    i = 1;
  } else if (w[0] == 'X') {
    out += 'S';
    i = 1;
  } else if (starts("WH")) {
    out += 'W';
    i = 2;
  }
  const std::size_t n = w.size();
  const auto at = [&](std::size_t k) -> char { return k < n ? w[k] : '\0'; };
  for (; i < n; ++i) {
    const char c = w[i];
    const char prev = i > 0 ? w[i - 1] : '\0';
    const char next = at(i + 1);
    if (c == prev && c != 'C') continue;  // drop duplicate adjacent letters except C
    switch (c) {
      case 'A': case 'E': case 'I': case 'O': case 'U':
        if (i == 0) out += c;  // vowels are kept only at the beginning
        break;
      case 'B':
        if (!(prev == 'M' && i + 1 == n)) out += 'B';  // silent in -MB
        break;
      case 'C':
        if (prev == 'S' && (next == 'I' || next == 'E' || next == 'Y')) break;  // -SCI-, -SCE-, -SCY-
        if (next == 'I' && at(i + 2) == 'A') {
          out += 'X';  // -CIA-
        } else if (next == 'H') {
          out += prev == 'S' ? 'K' : 'X';  // -SCH- is K, -CH- is X
          ++i;
        } else if (next == 'I' || next == 'E' || next == 'Y') {
          out += 'S';
        } else {
          out += 'K';
        }
        break;
      case 'D':
        if (next == 'G' && (at(i + 2) == 'E' || at(i + 2) == 'Y' || at(i + 2) == 'I')) {
          out += 'J';  // -DGE-, -DGY-, -DGI-
          i += 2;
        } else {
          out += 'T';
        }
        break;
      case 'G':
        if (next == 'H' && !(i + 2 >= n || is_vowel(at(i + 2)))) break;  // -GH- not before a vowel
        if (next == 'N' && (i + 2 == n || (at(i + 2) == 'E' && at(i + 3) == 'D' && i + 4 == n))) break;  // -GN, -GNED
        if (prev == 'D' && (next == 'E' || next == 'I' || next == 'Y')) break;  // handled by D
        if (next == 'I' || next == 'E' || next == 'Y') {
          out += 'J';
        } else {
          out += 'K';
        }
        if (next == 'G') ++i;
        break;
      case 'H':
        // Silent after C, S, P, T, G and when not before a vowel or after a vowel.
        if (prev == 'C' || prev == 'S' || prev == 'P' || prev == 'T' || prev == 'G') break;
        if (is_vowel(prev) && !is_vowel(next)) break;
        if (!is_vowel(next)) break;
        out += 'H';
        break;
      case 'K':
        if (prev != 'C') out += 'K';
        break;
      case 'P':
        out += next == 'H' ? 'F' : 'P';
        break;
      case 'Q':
        out += 'K';
        break;
      case 'S':
        if (next == 'H') {
          out += 'X';
          ++i;
        } else if (next == 'I' && (at(i + 2) == 'O' || at(i + 2) == 'A')) {
          out += 'X';
        } else {
          out += 'S';
        }
        break;
      case 'T':
        if (next == 'I' && (at(i + 2) == 'O' || at(i + 2) == 'A')) {
          out += 'X';
        } else if (next == 'H') {
          out += '0';  // theta
          ++i;
        } else if (!(next == 'C' && at(i + 2) == 'H')) {
          out += 'T';  // silent in -TCH-
        }
        break;
      case 'V':
        out += 'F';
        break;
      case 'W': case 'Y':
        if (is_vowel(next)) out += c;
        break;
      case 'X':
        out += "KS";
        break;
      case 'Z':
        out += 'S';
        break;
      default:  // F, J, L, M, N, R
        out += c;
        break;
    }
  }
  return out;
}

}  // namespace demo
