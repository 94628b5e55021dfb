#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hvmtool/export.hpp"

namespace hvmtool {

// Where a configuration value came from, so that an error found later (by a
// plugin validating its own parameters) still names the file, line and column.
struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 = not from a file
  int column = 0;  // 1-based
};

struct ParamValue {
  std::string text;
  SourceLocation where;
};

// The parameters a pipeline file gives one plugin (`params: {PLUGIN: {key: value}}`).
// Plugins read them once, when their stage/platform object is created, so that
// `hvmtool validate` reports a bad value before anything runs. Every accessor
// throws ConfigError naming the file, line, column and field.
class HVMTOOL_API PluginParams {
 public:
  PluginParams() = default;
  PluginParams(std::string plugin, std::map<std::string, ParamValue> values, SourceLocation where = {})
      : plugin_(std::move(plugin)), values_(std::move(values)), where_(std::move(where)) {}

  const std::string& plugin() const { return plugin_; }
  const std::map<std::string, ParamValue>& values() const { return values_; }
  bool has(std::string_view key) const { return values_.find(std::string(key)) != values_.end(); }

  std::string get_string(std::string_view key, std::string_view fallback) const;
  std::uint64_t get_uint(std::string_view key, std::uint64_t fallback, std::uint64_t min = 0,
                         std::uint64_t max = UINT64_MAX) const;
  // Accepts a plain number of bytes or a number with a K/M/G/T suffix (binary units).
  std::uint64_t get_size(std::string_view key, std::uint64_t fallback) const;
  bool get_bool(std::string_view key, bool fallback) const;
  // One of `choices`, or ConfigError listing them.
  std::string get_choice(std::string_view key, std::string_view fallback,
                         std::initializer_list<std::string_view> choices) const;
  // Rejects keys not in `known`, with a "did you mean" hint.
  void require_known(std::initializer_list<std::string_view> known) const;

  // Formats "FILE:LINE:COL: field 'params.PLUGIN.KEY': message".
  [[noreturn]] void fail(std::string_view key, std::string_view message) const;

 private:
  std::string plugin_;
  std::map<std::string, ParamValue> values_;
  SourceLocation where_;
};

}  // namespace hvmtool
