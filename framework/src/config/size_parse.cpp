#include <array>
#include <stdexcept>
#include <string>

#include "config/config_error.hpp"
#include "config/pipeline_config.hpp"
#include "config/value_parse.hpp"

namespace hvmtool {
namespace {

struct Unit {
  std::string_view suffix;  // lower case; matching ignores case
  unsigned shift;
};

// Binary units only: a guest's RAM and MMIO hole are page multiples, and
// "1G" meaning 10^9 would never be aligned. "B" exists so that every value
// format_size prints can be read back.
constexpr std::array<Unit, 10> kUnits = {{{"", 0},
                                          {"b", 0},
                                          {"k", 10},
                                          {"kib", 10},
                                          {"m", 20},
                                          {"mib", 20},
                                          {"g", 30},
                                          {"gib", 30},
                                          {"t", 40},
                                          {"tib", 40}}};

std::optional<unsigned> unit_shift(std::string_view suffix) {
  std::string lower;
  for (char c : suffix) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const Unit& u : kUnits)
    if (u.suffix == lower) return u.shift;
  return std::nullopt;
}

[[noreturn]] void bad_size(std::string_view text, std::string_view why = {}) {
  std::string msg = "expected " + std::string(config::kSizeExpectation) + ", got " + config::quote(text);
  if (!why.empty()) msg += " (" + std::string(why) + ")";
  throw std::invalid_argument(msg);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  if (!text.empty() && text.front() == '-') bad_size(text, "a size cannot be negative");
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  std::string_view whole = text.substr(0, i);
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    fraction = text.substr(start, i - start);
    if (fraction.empty()) bad_size(text);
  }
  if (whole.empty()) bad_size(text);
  std::optional<unsigned> shift = unit_shift(text.substr(i));
  if (!shift) bad_size(text);

  std::optional<std::uint64_t> n = config::parse_whole_number(whole);
  if (!n || *n > (UINT64_MAX >> *shift)) bad_size(text, "too large");
  std::uint64_t bytes = *n << *shift;

  if (!fraction.empty()) {
    // Rejected rather than rounded: "1.1G" has no exact byte count, and a
    // silently rounded guest memory size is worse than an error. When the
    // value is exact the message says how to write it.
    std::uint64_t num = 0, den = 1;
    bool exact = fraction.size() <= 18;
    if (exact) {
      for (char c : fraction) {
        num = num * 10 + static_cast<unsigned>(c - '0');
        den *= 10;
      }
      exact = *shift < 64 && (num << *shift) >> *shift == num && ((num << *shift) % den) == 0;
    }
    if (exact && bytes <= UINT64_MAX - ((num << *shift) / den))
      bad_size(text, "no fractions; write " + config::format_size(bytes + (num << *shift) / den));
    bad_size(text, "no fractions");
  }
  return bytes;
}

namespace config {

std::optional<std::uint64_t> parse_whole_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return std::nullopt;
    n = n * 10 + d;
  }
  return n;
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0";
  static constexpr std::array<std::pair<unsigned, char>, 4> units = {{{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}}};
  for (auto [shift, letter] : units) {
    std::uint64_t mask = (std::uint64_t{1} << shift) - 1;
    if ((bytes & mask) == 0) return std::to_string(bytes >> shift) + letter;
  }
  return std::to_string(bytes) + "B";
}

std::string describe_range(std::uint64_t min, std::uint64_t max) {
  if (max == UINT64_MAX) return min == 0 ? std::string() : "of at least " + std::to_string(min);
  return "from " + std::to_string(min) + " to " + std::to_string(max);
}

}  // namespace config
}  // namespace hvmtool
