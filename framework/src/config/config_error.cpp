#include "config/config_error.hpp"

#include <cstdio>

#include "hvmtool/error.hpp"

namespace hvmtool::config {

std::string location_prefix(const SourceLocation& where) {
  std::string out;
  if (!where.file.empty()) out = where.file;
  if (where.line > 0) {
    if (!out.empty()) out += ':';
    out += std::to_string(where.line);
    if (where.column > 0) out += ':' + std::to_string(where.column);  // xl.cfg errors know only the line
  }
  if (!out.empty()) out += ": ";
  return out;
}

void throw_field_error(const SourceLocation& where, std::string_view field, std::string_view reason) {
  std::string msg = location_prefix(where);
  msg += "field '";
  msg += one_line(field);  // keys are the user's text: a multi-line key must not break the line
  msg += "': ";
  msg += reason;
  throw ConfigError(msg);
}

void throw_file_error(const SourceLocation& where, std::string_view reason) {
  throw ConfigError(location_prefix(where) + std::string(reason));
}

namespace {

// \n \t \r, or \xHH for another control character.
void append_control(std::string& out, unsigned char u) {
  switch (u) {
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
}

bool is_control(unsigned char u) { return u < 0x20 || u == 0x7f; }

}  // namespace

std::string quote(std::string_view text) {
  // Long enough for any sensible path or disk spec, short enough to keep
  // a message readable when someone pastes a whole script into a field.
  constexpr std::size_t kMax = 80;
  std::string out = "\"";
  std::size_t n = 0;
  for (char c : text) {
    if (n++ == kMax) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (is_control(u)) {
      append_control(out, u);
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (is_control(u))
      append_control(out, u);
    else
      out += c;
  }
  return out;
}

}  // namespace hvmtool::config
