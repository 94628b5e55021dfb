#include <array>
#include <stdexcept>
#include <string>

#include "config/config_error.hpp"
#include "config/pipeline_config.hpp"
#include "config/value_parse.hpp"

namespace hvmtool {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};

// Lower case only: "m" is minutes, and an upper-case "M" would read as
// months or mega to half the people writing these files.
constexpr std::array<Unit, 4> kUnits = {{{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}}};

[[noreturn]] void bad_duration(std::string_view text, std::string_view why = {}) {
  std::string msg = "expected " + std::string(config::kDurationExpectation) + ", got " + config::quote(text);
  if (!why.empty()) msg += " (" + std::string(why) + ")";
  throw std::invalid_argument(msg);
}

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view text) {
  if (!text.empty() && text.front() == '-') bad_duration(text, "a duration cannot be negative");
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  std::string_view digits = text.substr(0, i);
  std::string_view suffix = text.substr(i);
  std::optional<std::uint64_t> n = config::parse_whole_number(digits);
  if (!n) bad_duration(text);
  if (suffix.empty()) {
    // A bare 0 is unambiguous (no timeout); any other bare number is not:
    // people mean seconds and milliseconds about equally often.
    if (*n == 0) return std::chrono::milliseconds{0};
    bad_duration(text, "add a unit: ms, s, m or h");
  }
  if (suffix.front() == '.') bad_duration(text, "no fractions; use a smaller unit");
  for (const Unit& u : kUnits) {
    if (u.suffix != suffix) continue;
    if (*n > static_cast<std::uint64_t>(INT64_MAX / u.ms)) bad_duration(text, "too large");
    return std::chrono::milliseconds{static_cast<std::int64_t>(*n) * u.ms};
  }
  bad_duration(text);
}

namespace config {

std::string format_duration(std::chrono::milliseconds d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0";
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it)
    if (ms % it->ms == 0) return std::to_string(ms / it->ms) + std::string(it->suffix);
  return std::to_string(ms) + "ms";
}

}  // namespace config
}  // namespace hvmtool
