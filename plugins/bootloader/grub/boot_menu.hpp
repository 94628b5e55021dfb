#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hvmtool::grub {

// One boot menu entry as the config file wrote it (paths inside the guest's
// filesystem, device prefixes such as "(hd0,0)" removed).
struct BootEntry {
  std::string title;
  std::string id;      // grub's --id, extlinux's LABEL
  std::string kernel;  // empty: not a Linux entry (chainloader, a .c32 module, fwsetup...)
  std::vector<std::string> initrds;
  std::string cmdline;
  int line = 0;  // where the entry starts in the config
  bool submenu = false;
  std::vector<BootEntry> children;  // a grub submenu's entries
};

// Something the file asks for that this reader does not do (`source`, a
// loop, extlinux's INCLUDE...): the menu may differ from what the real
// bootloader would show, so the user is told.
struct MenuWarning {
  int line = 0;
  std::string text;  // guest bytes in it are escaped already
  std::string file;  // the other file it would read, as the config names it (raw); empty if none
};

struct BootMenu {
  std::string format;  // "grub.cfg", "extlinux.conf", "menu.lst"
  std::vector<BootEntry> entries;
  std::string default_entry;        // as the file says: "0", "1>2", a title, id or label; empty = the first
  int default_line = 0;             // where default_entry was set
  bool relative_to_config = false;  // extlinux: relative paths start at the config file's folder
  std::vector<MenuWarning> warnings;
};

// A malformed config: what() is "line N: reason" (guest bytes in the
// reason escaped by common::guest_text).
class MenuError : public std::runtime_error {
 public:
  MenuError(int line, const std::string& reason) : std::runtime_error("line " + std::to_string(line) + ": " + reason) {}
};

// `env`: variables set before the file runs (grubenv, as `load_env` reads
// it, and what GRUB sets itself, such as prefix and config_directory).
BootMenu parse_grub_cfg(std::string_view text, const std::map<std::string, std::string>& env = {});
// grubenv: "# GRUB Environment Block" then NAME=VALUE lines, '#' padding.
std::map<std::string, std::string> parse_grubenv(std::string_view text);
BootMenu parse_extlinux_conf(std::string_view text);
BootMenu parse_menu_lst(std::string_view text);

// Which entry to boot: `entry=N` / `entry=TITLE` from bootloader_args
// (N counts from 0 as grub's `default` does; "N>M" selects inside a
// submenu), else the menu's default, else the first entry. A selector that
// matches nothing is an error for bootloader_args; for the file's own default
// it falls back to the first entry, as grub does (`note` says so).
// Unknown arguments are an error naming them. Errors are hvmtool::Error.
struct Selection {
  const BootEntry* entry = nullptr;
  std::string label;  // "entry 0 'Debian GNU/Linux'"
  std::string note;   // non-empty when the file's default was not usable (at menu.default_line)
};
// The entry= value of bootloader_args; throws Error naming unknown arguments.
std::optional<std::string> entry_selector(const std::vector<std::string>& bootloader_args);
Selection select_entry(const BootMenu& menu, const std::vector<std::string>& bootloader_args);

// "(hd0,msdos1)/boot/vmlinuz" -> "/boot/vmlinuz"; throws MenuError for a bad prefix.
std::string strip_device(std::string_view path, int line);

}  // namespace hvmtool::grub
