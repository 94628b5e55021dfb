// extlinux.conf / syslinux.cfg: one keyword per line, case-insensitive.
//   DEFAULT label          MENU DEFAULT (inside a LABEL) overrides it
//   LABEL name             starts an entry; MENU LABEL gives its title
//   KERNEL path | LINUX path
//   APPEND args            (a global APPEND applies to entries without one; "APPEND -" = none)
//   INITRD a[,b...]        (else initrd= inside APPEND)
// Relative paths start at the config file's folder, as extlinux reads them.
// INCLUDE, MENU INCLUDE and CONFIG (other files) are not followed: warnings.
#include <algorithm>
#include <cctype>

#include "boot_menu.hpp"
#include "config_lines.hpp"
#include "menu_format.hpp"
#include "hvmtool_common/guest_text.hpp"

namespace hvmtool::grub {

namespace {

constexpr std::string_view kName = "extlinux.conf";
constexpr std::string_view kPaths[] = {"/boot/extlinux/extlinux.conf", "/extlinux.conf"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

// The first word and the rest.
std::pair<std::string_view, std::string_view> first_word(std::string_view s) {
  s = trim(s);
  std::size_t i = 0;
  while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return {s.substr(0, i), trim(s.substr(i))};
}

std::vector<std::string> split_initrds(std::string_view list, int line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= list.size()) {
    const auto comma = list.find(',', i);
    const auto end = comma == std::string_view::npos ? list.size() : comma;
    auto one = trim(list.substr(i, end - i));
    if (!one.empty()) out.push_back(strip_device(one, line));
    if (comma == std::string_view::npos) break;
    i = comma + 1;
  }
  return out;
}

struct Pending {
  BootEntry entry;
  bool have_append = false;
  bool have_initrd = false;
};

}  // namespace

BootMenu parse_extlinux_conf(std::string_view text) {
  BootMenu menu;
  menu.format = kName;
  menu.relative_to_config = true;
  std::string global_append;
  std::string menu_default;
  int menu_default_line = 0;
  std::vector<Pending> entries;
  for (const auto& [line_no, kw, rest] : config_lines(text, KeywordEnd::space)) {
    Pending* cur = entries.empty() ? nullptr : &entries.back();
    if (kw == "label") {
      if (rest.empty()) throw MenuError(line_no, "LABEL without a name");
      Pending p;
      p.entry.id = std::string(rest);
      p.entry.title = std::string(rest);
      p.entry.line = line_no;
      entries.push_back(std::move(p));
    } else if (kw == "menu") {
      auto [sub_raw, arg] = first_word(rest);
      const std::string sub = lower(sub_raw);
      if (sub == "label" && cur && !arg.empty()) {
        std::string title(arg);
        title.erase(std::remove(title.begin(), title.end(), '^'), title.end());  // hotkey markers
        cur->entry.title = title;
      } else if (sub == "default" && cur) {
        menu_default = cur->entry.id;
        menu_default_line = line_no;
      } else if (sub == "include") {
        menu.warnings.push_back({line_no, "'MENU INCLUDE " + common::guest_text(arg) + "' is not followed",
                                 std::string(first_word(arg).first)});
      }
    } else if (kw == "default") {
      if (rest.empty()) throw MenuError(line_no, "DEFAULT without a label");
      menu.default_entry = std::string(first_word(rest).first);
      menu.default_line = line_no;
    } else if (kw == "include" || kw == "config") {
      menu.warnings.push_back({line_no,
                               "'" + std::string(kw == "include" ? "INCLUDE " : "CONFIG ") + common::guest_text(rest) +
                                   "' is not followed: its entries are not read",
                               std::string(first_word(rest).first)});
    } else if (kw == "kernel" || kw == "linux") {
      if (!cur) continue;  // a global KERNEL has no label to boot it by
      auto [path, extra] = first_word(rest);
      if (path.empty()) throw MenuError(line_no, "KERNEL without a path");
      std::string p = lower(path);
      if (kw == "kernel" && (p.ends_with(".c32") || p.ends_with(".com") || p.ends_with(".bin"))) {
        cur->entry.kernel.clear();  // a COM32 module or boot sector, not Linux
      } else {
        cur->entry.kernel = strip_device(path, line_no);
      }
      if (!extra.empty()) {
        cur->entry.cmdline = std::string(extra);
        cur->have_append = true;
      }
    } else if (kw == "append") {
      std::string args = rest == "-" ? std::string() : std::string(rest);
      if (cur) {
        cur->entry.cmdline = args;
        cur->have_append = true;
      } else {
        global_append = args;
      }
    } else if (kw == "initrd") {
      if (!cur) continue;
      cur->entry.initrds = split_initrds(rest, line_no);
      if (cur->entry.initrds.empty()) throw MenuError(line_no, "INITRD without a file");
      cur->have_initrd = true;
    }
    // TIMEOUT, PROMPT, UI, SAY, IPAPPEND, FDT, ... do not change what boots.
  }
  if (!menu_default.empty()) {
    menu.default_entry = menu_default;
    menu.default_line = menu_default_line;
  }
  for (auto& p : entries) {
    if (!p.have_append) p.entry.cmdline = global_append;
    if (!p.have_initrd) {
      // initrd=a,b inside the command line (syslinux's older form).
      std::string_view args = p.entry.cmdline;
      while (!args.empty()) {
        auto [w, after] = first_word(args);
        if (w.starts_with("initrd=")) p.entry.initrds = split_initrds(w.substr(7), p.entry.line);
        args = after;
      }
    }
    menu.entries.push_back(std::move(p.entry));
  }
  return menu;
}

// Listed in menu_formats.cpp (extern: a namespace-scope const is otherwise private to its file).
extern const MenuFormat extlinux_conf_format;
const MenuFormat extlinux_conf_format{kName, kPaths, text_only<parse_extlinux_conf>};

}  // namespace hvmtool::grub
