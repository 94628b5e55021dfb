// extlinux.conf / syslinux.cfg as the bootloader reads it.
#include "boot_config_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return hvmtool::fuzz::run_boot_config(data, size, hvmtool::grub::parse_extlinux_conf);
}
