#include "hvmtool_common/guest_text.hpp"

#include <cstdint>
#include <cstdio>

namespace hvmtool::common {
namespace {

void put_byte(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out += buf;
}

// Code points that change how the rest of a line looks without being seen.
bool invisible_format(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) ||      // C1 controls
         cp == 0xAD ||                      // soft hyphen
         (cp >= 0x200B && cp <= 0x200F) ||  // zero-width space/joiners, LRM, RLM
         (cp >= 0x2028 && cp <= 0x202E) ||  // line/paragraph separators, bidi embeddings and overrides
         (cp >= 0x2060 && cp <= 0x206F) ||  // word joiner, invisible operators, bidi isolates
         cp == 0xFEFF ||                    // BOM / zero-width no-break space
         (cp >= 0xFFF9 && cp <= 0xFFFB);    // interlinear annotation controls
}

// Length of the well-formed UTF-8 sequence at s[i] (2-4), its code point in
// `cp`; 0 if the bytes there are not one (overlong forms, surrogates and
// values above U+10FFFF included).
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  std::size_t len = 0;
  std::uint32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void escape(std::string& out, std::string_view s, std::size_t max_bytes, bool in_quotes) {
  const std::size_t n = s.size() < max_bytes ? s.size() : max_bytes;
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      if (c == '\\' || (in_quotes && c == '\'')) out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c == '\n' || c == '\r' || c == '\t') {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t len = c >= 0x80 ? utf8_sequence(s.substr(0, n), i, cp) : 0;
    if (len == 0) {
      put_byte(out, c);
      ++i;
    } else if (invisible_format(cp)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(cp));
      out += buf;
      i += len;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  if (s.size() > n) out += "...[+" + std::to_string(s.size() - n) + " bytes]";
}

}  // namespace

std::string guest_text(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  out.reserve(bytes.size() < max_bytes ? bytes.size() : max_bytes);
  escape(out, bytes, max_bytes, false);
  return out;
}

std::string guest_quote(std::string_view bytes, std::size_t max_bytes) {
  std::string out = "'";
  escape(out, bytes, max_bytes, true);
  out += '\'';
  return out;
}

}  // namespace hvmtool::common
