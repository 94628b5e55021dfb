#include "boot_menu.hpp"

#include <charconv>

#include <hvmtool/error.hpp>

#include "hvmtool_common/guest_text.hpp"

namespace hvmtool::grub {

namespace {

using common::guest_quote;

bool parse_index(std::string_view s, std::size_t& out) {
  if (s.empty() || s.size() > 9) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

const BootEntry* find_step(const std::vector<BootEntry>& list, std::string_view step, std::size_t& index) {
  if (parse_index(step, index)) return index < list.size() ? &list[index] : nullptr;
  for (std::size_t i = 0; i < list.size(); ++i)
    if (list[i].title == step || (!list[i].id.empty() && list[i].id == step)) {
      index = i;
      return &list[i];
    }
  return nullptr;
}

const BootEntry* find_nested(const std::vector<BootEntry>& list, std::string_view name, std::string& path) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string here = path + (path.empty() ? "" : ">") + std::to_string(i);
    if (!list[i].submenu && (list[i].title == name || (!list[i].id.empty() && list[i].id == name))) {
      path = here;
      return &list[i];
    }
    if (list[i].submenu) {
      std::string sub = here;
      if (const BootEntry* e = find_nested(list[i].children, name, sub)) {
        path = sub;
        return e;
      }
    }
  }
  return nullptr;
}

// Follows "A>B>C" through submenus; a submenu itself means its first entry.
const BootEntry* find(const BootMenu& menu, std::string_view selector, std::string& label) {
  const std::vector<BootEntry>* list = &menu.entries;
  const BootEntry* found = nullptr;
  std::string path;
  // A title may itself contain '>': try the whole selector first.
  std::size_t index = 0;
  if (const BootEntry* e = find_step(*list, selector, index); e && selector.find('>') != std::string_view::npos) {
    found = e;
    path = std::to_string(index);
  } else {
    std::size_t start = 0;
    while (true) {
      const std::size_t gt = selector.find('>', start);
      const std::string_view step =
          selector.substr(start, gt == std::string_view::npos ? std::string_view::npos : gt - start);
      if (found) {
        if (!found->submenu) {
          found = nullptr;
          break;
        }
        list = &found->children;
      }
      found = find_step(*list, step, index);
      if (!found) break;
      path += (path.empty() ? "" : ">") + std::to_string(index);
      if (gt == std::string_view::npos) break;
      start = gt + 1;
    }
  }
  // A title or id alone may name an entry inside a submenu.
  if (!found && selector.find('>') == std::string_view::npos) {
    path.clear();
    found = find_nested(menu.entries, selector, path);
  }
  if (!found) return nullptr;
  while (found->submenu) {
    if (found->children.empty()) return nullptr;
    found = &found->children.front();
    path += ">0";
  }
  label = "entry " + path + " " + guest_quote(found->title);
  return found;
}

std::string titles(const BootMenu& menu) {
  std::string s;
  for (std::size_t i = 0; i < menu.entries.size() && i < 10; ++i)
    s += (s.empty() ? "" : ", ") + std::to_string(i) + " " + guest_quote(menu.entries[i].title);
  if (menu.entries.size() > 10) s += ", ...";
  return s;
}

}  // namespace

std::string strip_device(std::string_view path, int line) {
  if (!path.empty() && path.front() == '(') {
    const auto close = path.find(')');
    if (close == std::string_view::npos) throw MenuError(line, "unterminated device name in " + guest_quote(path));
    path.remove_prefix(close + 1);
    if (path.empty()) throw MenuError(line, "a device without a file path");
  }
  return std::string(path);
}

std::optional<std::string> entry_selector(const std::vector<std::string>& bootloader_args) {
  std::optional<std::string> wanted;
  std::vector<std::string> unknown;
  for (const std::string& arg : bootloader_args) {
    std::string_view a = arg;
    if (a.starts_with("--")) a.remove_prefix(2);
    if (a.starts_with("entry=") && a.size() > 6)
      wanted = std::string(a.substr(6));
    else
      unknown.push_back(arg);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + guest_quote(u);
    throw Error("domain.bootloader_args: unknown argument" + std::string(unknown.size() > 1 ? "s " : " ") + list +
                " (the grub bootloader knows entry=N and entry=TITLE)");
  }
  return wanted;
}

Selection select_entry(const BootMenu& menu, const std::vector<std::string>& bootloader_args) {
  const std::optional<std::string> selector = entry_selector(bootloader_args);
  const bool from_args = selector.has_value();
  const std::string wanted = selector.value_or("");
  if (menu.entries.empty()) throw Error(menu.format + " has no boot entries");

  Selection s;
  if (from_args) {
    s.entry = find(menu, wanted, s.label);
    if (!s.entry)
      throw Error("domain.bootloader_args: entry=" + common::guest_text(wanted) + ": no such entry in " + menu.format +
                  " (entries: " + titles(menu) + ")");
  } else if (!menu.default_entry.empty()) {
    s.entry = find(menu, menu.default_entry, s.label);
  }
  if (!s.entry) {
    s.entry = find(menu, "0", s.label);
    if (!s.entry) throw Error(menu.format + " has no boot entries");
    if (!from_args && !menu.default_entry.empty())
      s.note = "default " + guest_quote(menu.default_entry) + " matches no entry; booting the first, " + s.label;
  }
  if (s.entry->kernel.empty())
    throw Error(menu.format + " " + s.label + " (line " + std::to_string(s.entry->line) + ") boots no Linux kernel");
  return s;
}

}  // namespace hvmtool::grub
