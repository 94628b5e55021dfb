#pragma once

// Typed readers over yaml-cpp nodes. Each carries the dotted field path and
// the node's Mark, so that any reader can fail with the one-line
// "FILE:LINE:COL: field 'PATH': expected ..., got ..." message without its
// caller threading positions around.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hvmtool/params.hpp"

namespace hvmtool::config {

// What every reader of one file shares.
struct FileContext {
  std::string file;                // as the user gave it, for messages
  std::filesystem::path base_dir;  // absolute; relative paths in the file start here
  // YAML made from another format (xl.cfg): the source line of each YAML
  // line, so that messages name the user's file and line (and no column).
  std::vector<unsigned> source_lines;
};

SourceLocation location_of(const FileContext& ctx, const YAML::Mark& mark);

class Section;

class Field {
 public:
  Field(const FileContext& ctx, std::string path, YAML::Node value, SourceLocation where)
      : ctx_(&ctx), path_(std::move(path)), node_(std::move(value)), where_(std::move(where)) {}

  const std::string& path() const { return path_; }
  const SourceLocation& where() const { return where_; }
  const YAML::Node& node() const { return node_; }
  const FileContext& context() const { return *ctx_; }

  [[noreturn]] void fail(std::string_view reason) const;
  // "expected WHAT, got "text"" / "got a map" / "got an empty value"
  [[noreturn]] void fail_expected(std::string_view what, std::string_view why = {}) const;

  // The scalar's text; anything else fails with "expected WHAT".
  std::string scalar(std::string_view what) const;
  std::string as_string() const;
  std::uint64_t as_uint(std::uint64_t min, std::uint64_t max) const;
  // `plain_shift` says what a bare number means: 0 = bytes, 20 = MiB (xl.cfg's memory).
  std::uint64_t as_size(std::uint64_t min, std::uint64_t max, unsigned plain_shift = 0) const;
  std::chrono::milliseconds as_duration() const;
  std::string as_choice(const std::vector<std::string>& choices) const;
  // [a-z0-9_-]+: a plugin's name is part of its file name (hvmtool-NAME.so).
  std::string as_plugin_name() const;
  // Made absolute against the file's folder.
  std::filesystem::path as_path() const;
  // Elements named PATH[i]; `what` describes the expected list for messages.
  std::vector<Field> as_list(std::string_view what) const;
  std::vector<std::string> as_string_list() const;
  Section as_section(std::string_view what = "a map") const;

 private:
  const FileContext* ctx_;
  std::string path_;
  YAML::Node node_;
  SourceLocation where_;
};

class Section {
 public:
  Section(const FileContext& ctx, std::string path, YAML::Node map, SourceLocation where);

  const std::string& path() const { return path_; }
  const SourceLocation& where() const { return where_; }

  // Every key must be a plain scalar, given once, and one of `known`.
  // `aliases` maps words people bring from elsewhere (xl.cfg's `extra`) to
  // the key hvmtool uses, for the hint.
  void check_keys(const std::vector<std::string>& known, const std::map<std::string, std::string>& aliases = {}) const;
  // All entries in file order, keys checked for plainness and duplicates
  // only: for maps whose keys are names the user chooses (params).
  struct Entry {
    std::string key;
    SourceLocation key_where;
    Field value;
  };
  std::vector<Entry> entries() const;

  std::optional<Field> get(std::string_view key) const;
  Field require(std::string_view key) const;

  std::string child_path(std::string_view key) const;

 private:
  const FileContext* ctx_;
  std::string path_;
  YAML::Node node_;
  SourceLocation where_;
};

}  // namespace hvmtool::config
