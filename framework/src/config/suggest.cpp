#include "config/suggest.hpp"

#include <algorithm>

#include "config/pipeline_config.hpp"

namespace hvmtool {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

namespace config {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows are enough for the transposition lookback.
  std::vector<std::size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

std::string unknown_key_reason(std::string_view key, const std::vector<std::string>& known) {
  std::string hint = closest_match(key, known);
  if (!hint.empty()) return "unknown key (did you mean '" + hint + "'?)";
  return "unknown key; expected one of: " + join(known);
}

}  // namespace config

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  // Up to 2 edits, but never more than a third of the longer word: "pv" is
  // two edits from "hvm" and suggesting it would only confuse.
  std::string best;
  std::size_t best_distance = SIZE_MAX;
  for (const auto& c : candidates) {
    std::size_t d = config::edit_distance(word, c);
    std::size_t longer = std::max(word.size(), c.size());
    if (d > 2 || d * 3 > longer) continue;
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace hvmtool
