// menu.lst (GRUB legacy): "default N", then entries that each start with
// "title TEXT" and hold "kernel [--opts] PATH ARGS" and "initrd PATH".
// A keyword may be followed by spaces or '='. "default saved" means 0.
// `configfile` (another file) is not followed: a warning.
#include <cctype>
#include <charconv>

#include "boot_menu.hpp"
#include "config_lines.hpp"
#include "menu_format.hpp"
#include "hvmtool_common/guest_text.hpp"

namespace hvmtool::grub {

namespace {

constexpr std::string_view kName = "menu.lst";
constexpr std::string_view kPaths[] = {"/boot/grub/menu.lst", "/grub/menu.lst"};

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

BootMenu parse_menu_lst(std::string_view text) {
  BootMenu menu;
  menu.format = kName;
  for (const auto& [line_no, kw, rest] : config_lines(text, KeywordEnd::space_or_equals)) {
    BootEntry* cur = menu.entries.empty() ? nullptr : &menu.entries.back();
    if (kw == "title") {
      BootEntry e;
      e.title = std::string(rest);
      e.line = line_no;
      menu.entries.push_back(std::move(e));
    } else if (kw == "default") {
      const auto w = words(rest);
      if (w.empty()) throw MenuError(line_no, "default without a value");
      unsigned n = 0;
      auto [p, ec] = std::from_chars(w[0].data(), w[0].data() + w[0].size(), n);
      if (w[0] == "saved") {
        menu.default_entry.clear();
      } else if (ec != std::errc() || p != w[0].data() + w[0].size()) {
        throw MenuError(line_no, "default " + common::guest_quote(w[0]) + " is not an entry number");
      } else {
        menu.default_entry = std::string(w[0]);
        menu.default_line = line_no;
      }
    } else if (kw == "kernel") {
      if (!cur) continue;
      const auto w = words(rest);
      std::size_t i = 0;
      while (i < w.size() && w[i].starts_with("--")) ++i;
      if (i >= w.size()) throw MenuError(line_no, "kernel without a path");
      cur->kernel = strip_device(w[i], line_no);
      cur->cmdline.clear();
      for (++i; i < w.size(); ++i) cur->cmdline += (cur->cmdline.empty() ? "" : " ") + std::string(w[i]);
    } else if (kw == "initrd") {
      if (!cur) continue;
      const auto w = words(rest);
      if (w.empty()) throw MenuError(line_no, "initrd without a path");
      cur->initrds = {strip_device(w[0], line_no)};
    } else if (kw == "configfile") {
      const auto w = words(rest);
      menu.warnings.push_back(
          {line_no, "'configfile " + common::guest_text(rest) + "' is not followed: its entries are not read",
           w.empty() ? std::string() : std::string(w[0])});
    } else if (kw == "module" || kw == "chainloader") {
      // Xen's multiboot layout (kernel /xen.gz + modules) and chainloading
      // are not Linux entries this bootloader boots.
      if (cur) cur->kernel.clear();
    }
  }
  return menu;
}

// Listed in menu_formats.cpp (extern: a namespace-scope const is otherwise private to its file).
extern const MenuFormat menu_lst_format;
const MenuFormat menu_lst_format{kName, kPaths, text_only<parse_menu_lst>};

}  // namespace hvmtool::grub
