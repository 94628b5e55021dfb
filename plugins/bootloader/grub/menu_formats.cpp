// The table of boot-menu formats. It is a list, not self-registration from
// each file's static initializer: the formats live in a static library
// (hvmtool_grub_core) and the linker drops an object file nothing refers to,
// so a self-registering format would silently vanish from the plugin or the
// tests; and static initializers run in no set order, while this order is the
// search order. Adding a format: its own file defining `const MenuFormat
// NAME_format`, then its name here, in both lines.
#include "menu_format.hpp"

#include <array>

namespace hvmtool::grub {

extern const MenuFormat grub_cfg_format, extlinux_conf_format, menu_lst_format;

namespace {

// GRUB 2, then syslinux, then GRUB legacy: the order pygrub looks in.
constexpr std::array kFormats = {&grub_cfg_format, &extlinux_conf_format, &menu_lst_format};

}  // namespace

std::span<const MenuFormat* const> menu_formats() { return kFormats; }

std::vector<std::string> config_candidates() {
  std::vector<std::string> out;
  for (const MenuFormat* f : menu_formats())
    for (std::string_view p : f->paths) out.emplace_back(p);
  return out;
}

}  // namespace hvmtool::grub
