#pragma once

// The body of the three boot config targets: parse, then pick the entry
// the file's default names and the one a user's entry=... would, the way
// the grub stage does. A MenuError or an Error is a refusal.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "boot_menu.hpp"
#include "fuzz_check.hpp"
#include "hvmtool/error.hpp"

namespace hvmtool::fuzz {

template <typename Parse>
int run_boot_config(const std::uint8_t* data, std::size_t size, Parse parse) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const grub::BootMenu menu = parse(text);
    for (const grub::MenuWarning& w : menu.warnings) {
      const std::runtime_error as_error(w.text);
      check_message(as_error, Text::guest);
    }
    for (const std::string& arg : {std::string(), std::string("entry=1>0"), std::string("entry=Debian GNU/Linux")}) {
      try {
        const grub::Selection s = grub::select_entry(menu, arg.empty() ? std::vector<std::string>{} : std::vector{arg});
        check_message(std::runtime_error(s.label + s.note), Text::guest);
      } catch (const Error& e) {
        check_message(e, Text::guest);
      }
    }
  } catch (const grub::MenuError& e) {
    check_message(e, Text::guest);
  } catch (const Error& e) {
    check_message(e, Text::guest);
  }
  return 0;
}

}  // namespace hvmtool::fuzz
