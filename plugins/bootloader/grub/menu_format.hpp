#pragma once

// The boot-menu formats the grub bootloader reads, as a table (after
// hvmloader's bios_configs and libxenguest's xc_dom_loaders): each format is
// one file that defines a MenuFormat, and menu_formats.cpp lists them. The
// stage searches and dispatches through the table only.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "boot_menu.hpp"

namespace hvmtool::grub {

// A config file found in the guest's filesystem, as a format's reader gets it.
struct MenuSource {
  std::string_view path;  // where it was found: one of the format's paths
  std::string_view text;
  // Another file of the same filesystem (grub.cfg's grubenv): its bytes if it
  // is a regular file of at most `max_size` bytes, else nothing (missing, a
  // folder, too large, unreadable): such a file is optional.
  std::function<std::optional<std::string>(const std::string& path, std::uint64_t max_size)> read_optional;
};

struct MenuFormat {
  std::string_view name;                    // "grub.cfg": the name error messages and BootMenu::format use
  std::span<const std::string_view> paths;  // where the guest keeps it, in the order they are looked at
  BootMenu (*read)(const MenuSource&);      // throws MenuError for a malformed file
};

// The reader of a format that needs nothing but the config's text.
template <BootMenu (*Parse)(std::string_view)>
BootMenu text_only(const MenuSource& source) {
  return Parse(source.text);
}

// Every format, in search order: the first format's paths are looked at
// first, in their own order, then the next format's.
std::span<const MenuFormat* const> menu_formats();

// The config paths of every format, in search order.
std::vector<std::string> config_candidates();

}  // namespace hvmtool::grub
