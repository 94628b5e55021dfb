// PluginParams: the plugin-facing reader of `params: {PLUGIN: {...}}`.
// Messages match the loader's exactly (same helpers), so a user cannot tell
// whether the loader or a plugin rejected a value.

#include "hvmtool/params.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "config/config_error.hpp"
#include "config/pipeline_config.hpp"
#include "config/suggest.hpp"
#include "config/value_parse.hpp"
#include "hvmtool/error.hpp"

namespace hvmtool {
namespace {

std::string or_list(std::initializer_list<std::string_view> words) {
  std::string out;
  std::size_t i = 0;
  for (std::string_view w : words) {
    if (i) out += i + 1 == words.size() ? " or " : ", ";
    out += w;
    ++i;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return out;
}

}  // namespace

void PluginParams::fail(std::string_view key, std::string_view message) const {
  auto it = values_.find(std::string(key));
  const SourceLocation& where = it != values_.end() ? it->second.where : where_;
  config::throw_field_error(where, "params." + plugin_ + "." + std::string(key), message);
}

std::string PluginParams::get_string(std::string_view key, std::string_view fallback) const {
  auto it = values_.find(std::string(key));
  return it == values_.end() ? std::string(fallback) : it->second.text;
}

std::uint64_t PluginParams::get_uint(std::string_view key, std::uint64_t fallback, std::uint64_t min,
                                     std::uint64_t max) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return fallback;
  std::optional<std::uint64_t> n = config::parse_whole_number(it->second.text);
  if (!n || *n < min || *n > max) {
    std::string range = config::describe_range(min, max);
    fail(key,
         "expected a whole number" + (range.empty() ? "" : " " + range) + ", got " + config::quote(it->second.text));
  }
  return *n;
}

std::uint64_t PluginParams::get_size(std::string_view key, std::uint64_t fallback) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return fallback;
  try {
    return parse_size(it->second.text);
  } catch (const std::invalid_argument& e) {
    fail(key, e.what());
  }
}

bool PluginParams::get_bool(std::string_view key, bool fallback) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return fallback;
  // YAML 1.1's spellings, since the file is YAML and people write all of them.
  std::string v = lower(it->second.text);
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  fail(key, "expected true or false (also yes/no, on/off, 1/0), got " + config::quote(it->second.text));
}

std::string PluginParams::get_choice(std::string_view key, std::string_view fallback,
                                     std::initializer_list<std::string_view> choices) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return std::string(fallback);
  const std::string& text = it->second.text;
  for (std::string_view c : choices)
    if (c == text) return text;
  std::string hint = closest_match(text, std::vector<std::string>(choices.begin(), choices.end()));
  fail(key, "expected " + or_list(choices) + ", got " + config::quote(text) +
                (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
}

void PluginParams::require_known(std::initializer_list<std::string_view> known) const {
  std::vector<std::string> names(known.begin(), known.end());
  // Report the first unknown key in file order, not alphabetical order.
  const std::pair<const std::string, ParamValue>* first = nullptr;
  for (const auto& entry : values_) {
    if (std::find(names.begin(), names.end(), entry.first) != names.end()) continue;
    const SourceLocation& w = entry.second.where;
    if (!first || std::pair(w.line, w.column) < std::pair(first->second.where.line, first->second.where.column))
      first = &entry;
  }
  if (!first) return;
  if (names.empty()) fail(first->first, "unknown key; plugin '" + plugin_ + "' takes no parameters");
  fail(first->first, config::unknown_key_reason(first->first, names));
}

}  // namespace hvmtool
