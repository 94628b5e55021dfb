#include "config/config_error.hpp"

#include <cstdio>

#include "hvmtool/error.hpp"

namespace hvmtool::config {

std::string location_prefix(const SourceLocation& where) {
  std::string out;
  if (!where.file.empty()) out = where.file;
  if (where.line > 0) {
    if (!out.empty()) out += ':';
    out += std::to_string(where.line) + ':' + std::to_string(where.column);
  }
  if (!out.empty()) out += ": ";
  return out;
}

void throw_field_error(const SourceLocation& where, std::string_view field, std::string_view reason) {
  std::string msg = location_prefix(where);
  msg += "field '";
  msg += field;
  msg += "': ";
  msg += reason;
  throw ConfigError(msg);
}

void throw_file_error(const SourceLocation& where, std::string_view reason) {
  throw ConfigError(location_prefix(where) + std::string(reason));
}

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
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace hvmtool::config
