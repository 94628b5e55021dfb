#include "config/yaml_fields.hpp"

#include <set>
#include <stdexcept>

#include "config/config_error.hpp"
#include "config/pipeline_config.hpp"
#include "config/suggest.hpp"
#include "config/value_parse.hpp"

namespace hvmtool::config {
namespace {

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return quote(node.Scalar());
    default:
      return "an empty value";
  }
}

bool mark_known(const YAML::Mark& m) { return m.line >= 0 && m.column >= 0; }

// Where to point for a map value: the value itself, except that yaml-cpp
// gives an empty value (`memory:`) the mark of whatever follows it, often
// the next line, so those point at their key.
SourceLocation value_location(const FileContext& ctx, const YAML::Node& key, const YAML::Node& value) {
  if (value.IsDefined() && !value.IsNull() && mark_known(value.Mark())) return location_of(ctx, value.Mark());
  return location_of(ctx, key.Mark());
}

std::string or_list(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace

SourceLocation location_of(const FileContext& ctx, const YAML::Mark& mark) {
  SourceLocation loc;
  loc.file = ctx.file;
  // yaml-cpp counts from 0; editors and compilers from 1.
  loc.line = mark_known(mark) ? mark.line + 1 : 1;
  loc.column = mark_known(mark) ? mark.column + 1 : 1;
  if (!ctx.source_lines.empty()) {
    const auto i = static_cast<std::size_t>(loc.line - 1);
    loc.line = i < ctx.source_lines.size() ? static_cast<int>(ctx.source_lines[i]) : 0;
    loc.column = 0;
  }
  return loc;
}

// ---------------------------------------------------------------- Field

void Field::fail(std::string_view reason) const { throw_field_error(where_, path_, reason); }

void Field::fail_expected(std::string_view what, std::string_view why) const {
  std::string msg = "expected " + std::string(what) + ", got " + describe(node_);
  if (!why.empty()) msg += " (" + std::string(why) + ")";
  fail(msg);
}

std::string Field::scalar(std::string_view what) const {
  if (!node_.IsScalar()) fail_expected(what);
  return node_.Scalar();
}

std::string Field::as_string() const { return scalar("a string"); }

std::uint64_t Field::as_uint(std::uint64_t min, std::uint64_t max) const {
  std::string what = "a whole number";
  std::string range = describe_range(min, max);
  if (!range.empty()) what += " " + range;
  std::optional<std::uint64_t> n = parse_whole_number(scalar(what));
  if (!n || *n < min || *n > max) fail_expected(what);
  return *n;
}

std::uint64_t Field::as_size(std::uint64_t min, std::uint64_t max, unsigned plain_shift) const {
  std::string text = scalar(kSizeExpectation);
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> plain = parse_whole_number(text);
  bool bare = plain.has_value() && plain_shift != 0;
  if (bare) {
    if (*plain > (UINT64_MAX >> plain_shift)) fail_expected(kSizeExpectation, "too large");
    bytes = *plain << plain_shift;
  } else {
    try {
      bytes = parse_size(text);
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
  }
  if (bytes < min || bytes > max) {
    std::string what = "a size from " + format_size(min) + " to " + format_size(max);
    fail_expected(what, bare ? "a bare number means MiB" : "");
  }
  return bytes;
}

std::chrono::milliseconds Field::as_duration() const {
  std::string text = scalar(kDurationExpectation);
  try {
    return parse_duration(text);
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
}

std::string Field::as_choice(const std::vector<std::string>& choices) const {
  std::string what = or_list(choices);
  std::string text = scalar(what);
  for (const auto& c : choices)
    if (c == text) return text;
  std::string hint = closest_match(text, choices);
  fail_expected(what, hint.empty() ? "" : "did you mean '" + hint + "'?");
}

std::string Field::as_plugin_name() const {
  constexpr std::string_view what = "a plugin name (lower-case letters, digits, '_' and '-')";
  std::string text = scalar(what);
  if (text.empty()) fail_expected(what);
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) fail_expected(what);
  }
  return text;
}

std::filesystem::path Field::as_path() const {
  std::string text = scalar("a path");
  if (text.empty()) fail_expected("a path");
  std::filesystem::path p(text);
  if (p.is_relative()) p = ctx_->base_dir / p;
  return p.lexically_normal();
}

std::vector<Field> Field::as_list(std::string_view what) const {
  if (!node_.IsSequence()) fail_expected(what);
  std::vector<Field> out;
  std::size_t i = 0;
  for (const YAML::Node& element : node_) {
    SourceLocation loc = element.IsNull() || !mark_known(element.Mark()) ? where_ : location_of(*ctx_, element.Mark());
    out.emplace_back(*ctx_, path_ + "[" + std::to_string(i++) + "]", element, std::move(loc));
  }
  return out;
}

std::vector<std::string> Field::as_string_list() const {
  std::vector<std::string> out;
  for (const Field& f : as_list("a list of strings")) out.push_back(f.as_string());
  return out;
}

Section Field::as_section(std::string_view what) const {
  if (!node_.IsMap()) fail_expected(what);
  return Section(*ctx_, path_, node_, where_);
}

// ---------------------------------------------------------------- Section

Section::Section(const FileContext& ctx, std::string path, YAML::Node map, SourceLocation where)
    : ctx_(&ctx), path_(std::move(path)), node_(std::move(map)), where_(std::move(where)) {}

std::string Section::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

std::vector<Section::Entry> Section::entries() const {
  std::vector<Entry> out;
  std::map<std::string, int> first_line;
  // Range-for keeps yaml-cpp's iterator value alive for the whole body;
  // `const Node& k = it->first` would dangle (operator* returns a temporary).
  for (const auto& kv : node_) {
    const YAML::Node key = kv.first;
    SourceLocation key_loc = location_of(*ctx_, key.Mark());
    if (!key.IsScalar() || key.Scalar().empty()) {
      std::string reason = "expected a plain key, got " + describe(key);
      if (path_.empty()) throw_file_error(key_loc, reason);
      throw_field_error(key_loc, path_, reason);
    }
    const std::string& name = key.Scalar();
    // yaml-cpp 0.7 keeps both entries of a repeated key and lookups see
    // only the first, so a second `memory:` would be silently ignored.
    auto [pos, inserted] = first_line.emplace(name, key_loc.line);
    if (!inserted)
      throw_field_error(key_loc, child_path(name),
                        "duplicate key (first given on line " + std::to_string(pos->second) + ")");
    out.push_back({name, key_loc, Field(*ctx_, child_path(name), kv.second, value_location(*ctx_, key, kv.second))});
  }
  return out;
}

void Section::check_keys(const std::vector<std::string>& known,
                         const std::map<std::string, std::string>& aliases) const {
  std::set<std::string_view> allowed(known.begin(), known.end());
  for (const Entry& e : entries()) {
    if (allowed.count(e.key)) continue;
    std::string reason;
    if (auto a = aliases.find(e.key); a != aliases.end())
      reason = "unknown key (did you mean '" + a->second + "'?)";
    else
      reason = unknown_key_reason(e.key, known);
    throw_field_error(e.key_where, e.value.path(), reason);
  }
}

std::optional<Field> Section::get(std::string_view key) const {
  for (const auto& kv : node_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key)
      return Field(*ctx_, child_path(key), kv.second, value_location(*ctx_, kv.first, kv.second));
  }
  return std::nullopt;
}

Field Section::require(std::string_view key) const {
  if (auto f = get(key)) return *f;
  std::string where = path_.empty() ? "at the top level" : "in '" + path_ + "'";
  throw_field_error(where_, child_path(key), "required " + where + " but missing");
}

}  // namespace hvmtool::config
