// grub.cfg (GRUB 2's script language as the bootloader reads it), with a
// grubenv whose saved_entry the file's `set default="${saved_entry}"` sees.
#include "boot_config_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return hvmtool::fuzz::run_boot_config(data, size, [](std::string_view text) {
    // The part after a line "#grubenv" is the grubenv beside grub.cfg.
    const auto split = text.find("\n#grubenv\n");
    const std::string_view cfg = text.substr(0, split);
    const std::string_view env = split == std::string_view::npos ? std::string_view() : text.substr(split + 10);
    return hvmtool::grub::parse_grub_cfg(cfg, hvmtool::grub::parse_grubenv(env));
  });
}
