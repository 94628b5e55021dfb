#include "bzimage.hpp"

#include <asm/bootparam.h>

#include <algorithm>
#include <cstring>

#include <hvmtool/error.hpp>

#include "hvmtool_common/image_file.hpp"

namespace hvmtool::build_pv {

using common::hex;
using common::image_fail;
using common::load;

namespace {

std::string version_string(std::uint16_t v) {
  return std::to_string(v >> 8) + "." + (((v & 0xff) < 10) ? "0" : "") + std::to_string(v & 0xff);
}

}  // namespace

BzImage parse_bzimage(std::span<const std::byte> bytes, const std::string& file, std::uint64_t ram_end) {
  const std::uint64_t size = bytes.size();
  if (size < kHeaderMin)
    image_fail(file, 0, "truncated setup header (" + hex(size) + " bytes, need at least " + hex(kHeaderMin) + ")");
  const auto boot_flag = load<std::uint16_t>(bytes, kBootFlag);
  if (boot_flag != 0xAA55) image_fail(file, kBootFlag, "boot flag " + hex(boot_flag) + " is not 0xaa55");
  if (std::memcmp(bytes.data() + kHeaderMagic, "HdrS", 4) != 0)
    image_fail(file, kHeaderMagic, "no \"HdrS\" setup header signature (not a bzImage)");
  BzImage img;
  img.version = load<std::uint16_t>(bytes, kVersion);
  if (img.version < kMinVersion)
    image_fail(file, kVersion,
               "boot protocol " + version_string(img.version) + " is too old (the 64-bit entry needs 2.12)");
  const auto loadflags = load<std::uint8_t>(bytes, kLoadflags);
  if (!(loadflags & LOADED_HIGH))
    image_fail(file, kLoadflags, "loadflags " + hex(loadflags) + " lack LOADED_HIGH (a zImage, not a bzImage)");

  unsigned sects = load<std::uint8_t>(bytes, kSetupSects);
  if (sects == 0) sects = 4;  // the protocol's rule for old images
  img.setup_size = (std::uint64_t(sects) + 1) * 512;
  if (img.setup_size > size)
    image_fail(file, kSetupSects,
               "setup_sects " + std::to_string(sects) + ": setup of " + hex(img.setup_size) +
                   " bytes beyond the end of the file (" + hex(size) + " bytes)");
  img.header_end = 0x202 + std::uint64_t(load<std::uint8_t>(bytes, kJump + 1));
  if (img.header_end < kHeaderMin || img.header_end > img.setup_size || img.header_end > sizeof(boot_params))
    image_fail(file, kJump + 1,
               "setup header end " + hex(img.header_end) + " is outside " + hex(kHeaderMin) + "-" +
                   hex(std::min<std::uint64_t>(img.setup_size, sizeof(boot_params))));

  const auto syssize = load<std::uint32_t>(bytes, kSyssize);
  img.kernel_size = std::uint64_t(syssize) * 16;
  if (syssize == 0) image_fail(file, kSyssize, "syssize is 0: no protected-mode kernel");
  if (img.kernel_size > size - img.setup_size)
    image_fail(file, kSyssize,
               "syssize " + hex(syssize) + " (" + hex(img.kernel_size) + " bytes from " + hex(img.setup_size) +
                   ") beyond the end of the file (" + hex(size) + " bytes)");

  img.xloadflags = load<std::uint16_t>(bytes, kXloadflags);
  if (!(img.xloadflags & XLF_KERNEL_64))
    image_fail(file, kXloadflags, "xloadflags " + hex(img.xloadflags) + " lack XLF_KERNEL_64 (no 64-bit entry point)");

  img.initrd_addr_max = load<std::uint32_t>(bytes, kInitrdAddrMax);
  img.cmdline_size = load<std::uint32_t>(bytes, kCmdlineSize);
  const auto init_size = load<std::uint32_t>(bytes, kInitSize);
  img.footprint = std::max<std::uint64_t>(img.kernel_size, init_size);
  img.footprint = (img.footprint + kPage - 1) & ~(kPage - 1);
  if (img.footprint > ram_end - kKernelAddr)
    image_fail(file, init_size >= img.kernel_size ? kInitSize : kSyssize,
               "the kernel needs " + hex(img.footprint) + " bytes from " + hex(kKernelAddr) +
                   ", beyond the end of RAM at " + hex(ram_end));
  const bool relocatable = load<std::uint8_t>(bytes, kRelocatable) != 0;
  const auto pref_address = load<std::uint64_t>(bytes, kPrefAddress);
  const std::uint64_t runtime_start =
      relocatable && pref_address > kKernelAddr && pref_address < ram_end ? pref_address : kKernelAddr;
  img.runtime_end = runtime_start + ((std::uint64_t(init_size) + kPage - 1) & ~(kPage - 1));
  img.runtime_end = std::max(img.runtime_end, kKernelAddr + img.footprint);
  return img;
}

std::vector<std::byte> make_zero_page(std::span<const std::byte> bytes, const BzImage& image,
                                      const std::vector<E820Entry>& e820, std::uint64_t cmdline_paddr,
                                      std::uint64_t ramdisk_paddr, std::uint64_t ramdisk_size) {
  static_assert(sizeof(boot_params) == 4096);
  boot_params bp;
  std::memset(&bp, 0, sizeof bp);
  auto* raw = reinterpret_cast<std::byte*>(&bp);
  std::memcpy(raw + kSetupSects, bytes.data() + kSetupSects, image.header_end - kSetupSects);
  bp.hdr.type_of_loader = 0xff;  // undefined boot loader
  bp.hdr.loadflags &= static_cast<std::uint8_t>(~(KEEP_SEGMENTS | CAN_USE_HEAP));
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
