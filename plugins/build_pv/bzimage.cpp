#include "bzimage.hpp"

#include <asm/bootparam.h>

#include <algorithm>
#include <cstring>

#include <hvmtool/error.hpp>

#include "hvmtool_common/image_file.hpp"

namespace hvmtool::build_pv {

std::vector<std::byte> make_zero_page(std::span<const std::byte> bytes, const BzImage& image,
                                      const std::vector<E820Entry>& e820, std::uint64_t cmdline_paddr,
                                      std::uint64_t ramdisk_paddr, std::uint64_t ramdisk_size) {
  static_assert(sizeof(boot_params) == 4096);
  boot_params bp;
  std::memset(&bp, 0, sizeof bp);
  auto* raw = reinterpret_cast<std::byte*>(&bp);
  constexpr std::uint64_t kHeaderStart = common::bzimage::kSetupSects;
  // The header as far as boot_params has room for it (a newer protocol's
  // longer header is cut where this loader's struct ends).
  const std::uint64_t header_end =
      std::min<std::uint64_t>(image.header_end, offsetof(boot_params, hdr) + sizeof bp.hdr);
  std::memcpy(raw + kHeaderStart, bytes.data() + kHeaderStart, header_end - kHeaderStart);
  bp.hdr.type_of_loader = 0xff;  // undefined boot loader
  bp.hdr.loadflags &= static_cast<std::uint8_t>(~(KEEP_SEGMENTS | CAN_USE_HEAP));
  bp.hdr.setup_data = 0;  // the loader's list of setup_data, not the image's: there is none
  bp.hdr.cmd_line_ptr = static_cast<std::uint32_t>(cmdline_paddr);
  bp.ext_cmd_line_ptr = static_cast<std::uint32_t>(cmdline_paddr >> 32);
  bp.hdr.ramdisk_image = static_cast<std::uint32_t>(ramdisk_paddr);
  bp.hdr.ramdisk_size = static_cast<std::uint32_t>(ramdisk_size);
  bp.ext_ramdisk_image = static_cast<std::uint32_t>(ramdisk_paddr >> 32);
  bp.ext_ramdisk_size = static_cast<std::uint32_t>(ramdisk_size >> 32);
  if (e820.size() > E820_MAX_ENTRIES_ZEROPAGE) throw Error("build_pv: too many E820 entries");
  bp.e820_entries = static_cast<std::uint8_t>(e820.size());
  for (std::size_t i = 0; i < e820.size(); ++i) {
    bp.e820_table[i].addr = e820[i].addr;
    bp.e820_table[i].size = e820[i].size;
    bp.e820_table[i].type = e820[i].type;
  }
  std::vector<std::byte> page(sizeof bp);
  std::memcpy(page.data(), &bp, sizeof bp);
  return page;
}

std::vector<std::byte> make_page_tables() {
  constexpr std::uint64_t kP = 1, kRw = 2, kPs = 0x80;
  std::vector<std::uint64_t> t((2 + kPdPages) * 512, 0);
  t[0] = kPdptAddr | kP | kRw;                                                            // PML4[0]
  for (unsigned i = 0; i < kPdPages; ++i) t[512 + i] = (kPdAddr + i * kPage) | kP | kRw;  // PDPT[i]
  for (std::uint64_t j = 0; j < kPdPages * 512; ++j) t[1024 + j] = (j << 21) | kP | kRw | kPs;
  std::vector<std::byte> out(t.size() * 8);
  std::memcpy(out.data(), t.data(), out.size());
  return out;
}

std::vector<std::byte> make_gdt() {
  const std::uint64_t gdt[4] = {
      0, 0,
      0x00af9b000000ffffull,  // 0x10: 64-bit code, present, DPL 0, accessed
      0x00cf93000000ffffull,  // 0x18: flat read/write data, accessed
  };
  std::vector<std::byte> out(sizeof gdt);
  std::memcpy(out.data(), gdt, sizeof gdt);
  return out;
}

}  // namespace hvmtool::build_pv
