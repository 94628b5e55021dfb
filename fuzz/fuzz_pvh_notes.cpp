// build_pv's PVH path: the ELF's notes searched for XEN_ELFNOTE_PHYS32_ENTRY
// (duplicates, alignment, descriptor sizes), its segments and entry checked
// against a 64 MiB guest, then the start info page built.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "hvmtool/error.hpp"
#include "pvh.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    const hvmtool::build_pv::PvhImage img = hvmtool::build_pv::parse_pvh(bytes, "pvh.elf", 64ull << 20);
    hvmtool::build_pv::StartInfoInputs in;
    in.cmdline_paddr = 0x20000;
    in.ramdisk_paddr = (img.elf.high() + 0xFFF) & ~0xFFFull;
    in.ramdisk_size = 0x1000;
    in.memmap = {{0, 0xA0000, 1}, {0x100000, (64ull << 20) - 0x100000, 1}};
    (void)hvmtool::build_pv::make_start_info(in);
  } catch (const hvmtool::Error& e) {
    hvmtool::fuzz::check_message(e, hvmtool::fuzz::Text::guest);
  }
  return 0;
}
