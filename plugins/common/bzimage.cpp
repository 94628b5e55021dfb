#include "hvmtool_common/bzimage.hpp"

#include <algorithm>
#include <cstring>

#include "hvmtool_common/image_file.hpp"

namespace hvmtool::common::bzimage {
namespace {

constexpr std::uint16_t kMinVersion32 = 0x0202;  // cmd_line_ptr: the protocol hvmloader speaks
constexpr std::uint16_t kMinVersion64 = 0x020c;  // xloadflags (XLF_KERNEL_64)
constexpr std::uint8_t kLoadedHigh = 0x01;       // loadflags: protected-mode code at 0x100000
constexpr std::uint16_t kXlfKernel64 = 0x01;     // xloadflags: 64-bit entry at load address + 0x200
constexpr std::uint64_t kEntry64Offset = 0x200;
constexpr std::uint64_t kPage = 0x1000;
constexpr std::uint32_t kOldInitrdAddrMax = 0x37ffffff;  // before 2.03
constexpr std::uint32_t kOldCmdlineMax = 255;            // before 2.06

std::uint64_t page_up(std::uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

bool power_of_two(std::uint64_t v) { return v && !(v & (v - 1)); }

// Where the setup header must at least reach for a protocol version: the
// end of the last field that version defines.
std::uint64_t fields_end(std::uint16_t version) {
  if (version >= 0x020f) return 0x26c;  // kernel_info_offset
  if (version >= 0x020b) return 0x268;  // handover_offset (xloadflags, 2.12, is inside)
  if (version >= 0x020a) return 0x264;  // pref_address, init_size, min_alignment
  if (version >= 0x0209) return 0x258;  // setup_data
  if (version >= 0x0208) return 0x250;  // payload_offset, payload_length
  if (version >= 0x0207) return 0x248;  // hardware_subarch, hardware_subarch_data
  if (version >= 0x0206) return 0x23c;  // cmdline_size
  if (version >= 0x0205) return 0x235;  // kernel_alignment, relocatable_kernel
  if (version >= 0x0203) return 0x230;  // initrd_addr_max
  if (version >= 0x0202) return 0x22c;  // ext_loader_*, cmd_line_ptr
  if (version >= 0x0201) return 0x226;  // heap_end_ptr
  return 0x224;                         // code32_start, ramdisk_*, bootsect_kludge
}

}  // namespace

std::string version_string(std::uint16_t v) {
  return std::to_string(v >> 8) + "." + (((v & 0xff) < 10) ? "0" : "") + std::to_string(v & 0xff);
}

Image parse(std::span<const std::byte> bytes, const std::string& file, const Loader& loader) {
  const std::uint64_t size = bytes.size();
  auto fail = [&](std::uint64_t offset, const std::string& reason) { image_fail(file, offset, reason); };
  Image img;

  // What the header is: boot_flag, "HdrS", version.
  if (size < kIdentMin)
    fail(0, "truncated setup header (" + hex(size) + " bytes, need at least " + hex(kIdentMin) + ")");
  const auto boot_flag = load<std::uint16_t>(bytes, kBootFlag);
  if (boot_flag != 0xAA55) fail(kBootFlag, "boot flag " + hex(boot_flag) + " is not 0xaa55");
  if (std::memcmp(bytes.data() + kHeaderMagic, "HdrS", 4) != 0)
    fail(kHeaderMagic, "no \"HdrS\" setup header signature (not a bzImage)");
  img.version = load<std::uint16_t>(bytes, kVersion);
  const std::uint16_t v = img.version;
  if (v >> 8 != 2) fail(kVersion, "boot protocol " + version_string(v) + " is not a 2.xx version");
  const bool entry64 = loader.entry == Entry::long64;
  if (v < (entry64 ? kMinVersion64 : kMinVersion32))
    fail(kVersion,
         "boot protocol " + version_string(v) + " is too old (" +
             (entry64 ? std::string("the 64-bit entry needs 2.12") : std::string("the 32-bit entry needs 2.02")) + ")");

  // setup_sects: the real-mode part, then the protected-mode kernel.
  unsigned sects = load<std::uint8_t>(bytes, kSetupSects);
  if (sects == 0) sects = 4;  // the protocol's rule for old images
  img.setup_size = (std::uint64_t(sects) + 1) * 512;
  if (img.setup_size > size)
    fail(kSetupSects, "setup_sects " + std::to_string(sects) + ": setup of " + hex(img.setup_size) +
                          " bytes beyond the end of the file (" + hex(size) + " bytes)");
  if (img.setup_size == size)
    fail(kSetupSects, "setup_sects " + std::to_string(sects) + ": setup of " + hex(img.setup_size) +
                          " bytes fills the whole file: no protected-mode kernel");
  const std::uint64_t pm_size = size - img.setup_size;

  // syssize (32 bits from 2.04): 16-byte paragraphs, rounded up.
  img.kernel_size = pm_size;
  if (v >= 0x0204) {
    const auto syssize = load<std::uint32_t>(bytes, kSyssize);
    if (syssize == 0) fail(kSyssize, "syssize is 0: no protected-mode kernel");
    if (syssize > (pm_size + 15) / 16)
      fail(kSyssize, "syssize " + hex(syssize) + " (" + hex(std::uint64_t(syssize) * 16) + " bytes from " +
                         hex(img.setup_size) + ") beyond the end of the file (" + hex(size) + " bytes)");
    img.kernel_size = std::min<std::uint64_t>(std::uint64_t(syssize) * 16, pm_size);
  }

  // jump: 0xEB and a signed displacement from 0x202, which is where the
  // header ends; it must hold every field of its version and lie in setup.
  const auto jump_op = load<std::uint8_t>(bytes, kJump);
  if (jump_op != 0xEB) fail(kJump, "jump " + hex(jump_op) + " at 0x200 is not a short jump (0xeb)");
  img.header_end = std::uint64_t(0x202 + static_cast<std::int8_t>(load<std::uint8_t>(bytes, kJump + 1)));
  if (img.header_end < fields_end(v) || img.header_end > img.setup_size)
    fail(kJump + 1, "setup header end " + hex(img.header_end) + " is outside " + hex(fields_end(v)) + "-" +
                        hex(img.setup_size) + " (protocol " + version_string(v) + "'s fields to the end of setup)");
  // From here every field of the version lies inside the file.

  const auto loadflags = load<std::uint8_t>(bytes, kLoadflags);
  if (!(loadflags & kLoadedHigh))
    fail(kLoadflags, "loadflags " + hex(loadflags) + " lack LOADED_HIGH (a zImage, not a bzImage)");

  const std::uint64_t load_end = kLoadAddr + img.kernel_size;
  const auto code32_start = load<std::uint32_t>(bytes, kCode32Start);
  if (code32_start < kLoadAddr || code32_start >= load_end)
    fail(kCode32Start, "code32_start " + hex(code32_start) + " is outside the kernel loaded at " + hex(kLoadAddr) +
                           "-" + hex(load_end - 1));

  img.initrd_addr_max = v >= 0x0203 ? load<std::uint32_t>(bytes, kInitrdAddrMax) : kOldInitrdAddrMax;

  std::uint64_t kernel_alignment = 0;
  bool relocatable = false;
  if (v >= 0x0205) {
    kernel_alignment = load<std::uint32_t>(bytes, kKernelAlignment);
    if (!power_of_two(kernel_alignment))
      fail(kKernelAlignment, "kernel_alignment " + hex(kernel_alignment) + " is not a power of two");
    relocatable = load<std::uint8_t>(bytes, kRelocatable) != 0;
  }
  if (v >= 0x020a) {
    const auto min_alignment = load<std::uint8_t>(bytes, kMinAlignment);
    if (min_alignment > 31 || (1ull << min_alignment) > kernel_alignment)
      fail(kMinAlignment, "min_alignment " + std::to_string(min_alignment) + " (2^" + std::to_string(min_alignment) +
                              ") is larger than kernel_alignment " + hex(kernel_alignment));
  }

  if (v >= 0x020c) img.xloadflags = load<std::uint16_t>(bytes, kXloadflags);
  if (entry64) {
    if (!(img.xloadflags & kXlfKernel64))
      fail(kXloadflags, "xloadflags " + hex(img.xloadflags) + " lack XLF_KERNEL_64 (no 64-bit entry point)");
    if (kEntry64Offset >= img.kernel_size)
      fail(kXloadflags, "the 64-bit entry at " + hex(kLoadAddr + kEntry64Offset) + " is beyond the " +
                            hex(img.kernel_size) + "-byte protected-mode kernel");
    img.entry = kLoadAddr + kEntry64Offset;
  } else {
    img.entry = code32_start;
  }

  img.cmdline_max = v >= 0x0206 ? load<std::uint32_t>(bytes, kCmdlineSize) : kOldCmdlineMax;
  if (loader.cmdline_len > img.cmdline_max)
    fail(kCmdlineSize, "the command line is " + std::to_string(loader.cmdline_len) +
                           " bytes, more than the kernel's cmdline_size (" + std::to_string(img.cmdline_max) + ")");
  if (loader.cmdline_len > loader.cmdline_room)
    fail(kCmdlineSize, "the command line is " + std::to_string(loader.cmdline_len) + " bytes, more than the " +
                           std::to_string(loader.cmdline_room) + " the loader has room for");

  if (v >= 0x0208) {
    const auto payload_offset = load<std::uint32_t>(bytes, kPayloadOffset);
    const auto payload_length = load<std::uint32_t>(bytes, kPayloadLength);
    if (payload_length && std::uint64_t(payload_offset) + payload_length > img.kernel_size)
      fail(kPayloadOffset, "payload " + hex(payload_offset) + "+" + hex(payload_length) + " is beyond the " +
                               hex(img.kernel_size) + "-byte protected-mode kernel");
  }

  // Where the kernel runs (boot.rst, init_size): before 2.10 where it is loaded.
  std::uint64_t runtime_start = kLoadAddr;
  std::uint64_t runtime_field = kCode32Start;  // the field that decided runtime_start
  std::uint64_t init_size = img.kernel_size;
  if (v >= 0x020a) {
    const auto pref_address = load<std::uint64_t>(bytes, kPrefAddress);
    if (pref_address & (kPage - 1)) fail(kPrefAddress, "pref_address " + hex(pref_address) + " is not page aligned");
    if (pref_address < kLoadAddr)
      fail(kPrefAddress, "pref_address " + hex(pref_address) + " is below " + hex(kLoadAddr));
    if (pref_address >= loader.ram_end)
      fail(kPrefAddress, "pref_address " + hex(pref_address) + " is beyond the end of RAM at " + hex(loader.ram_end));
    if (relocatable) {
      const std::uint64_t from = std::max(kLoadAddr, pref_address);
      runtime_start = (from + kernel_alignment - 1) & ~(kernel_alignment - 1);
    } else {
      runtime_start = pref_address;
    }
    runtime_field = kPrefAddress;
    init_size = load<std::uint32_t>(bytes, kInitSize);
    if (init_size < img.kernel_size)
      fail(kInitSize, "init_size " + hex(init_size) + " is smaller than the " + hex(img.kernel_size) +
                          "-byte protected-mode kernel");
  }
  if (v >= 0x020f) {
    const auto info = load<std::uint32_t>(bytes, kKernelInfoOffset);
    if (info && info >= img.kernel_size)
      fail(kKernelInfoOffset, "kernel_info_offset " + hex(info) + " is beyond the " + hex(img.kernel_size) +
                                  "-byte protected-mode kernel");
  }

  // What the loader has: RAM for the loaded kernel and for where it runs.
  img.footprint = page_up(std::max(img.kernel_size, init_size));
  if (loader.ram_end < kLoadAddr || img.footprint > loader.ram_end - kLoadAddr)
    fail(init_size > img.kernel_size ? kInitSize : kSyssize, "the kernel needs " + hex(img.footprint) + " bytes from " +
                                                                 hex(kLoadAddr) + ", beyond the end of RAM at " +
                                                                 hex(loader.ram_end));
  img.runtime_end = runtime_start + page_up(init_size);
  if (img.runtime_end > loader.ram_end)
    fail(runtime_field, "the kernel runs at " + hex(runtime_start) + " and needs " + hex(page_up(init_size)) +
                            " bytes there (init_size), beyond the end of RAM at " + hex(loader.ram_end));
  img.runtime_end = std::max(img.runtime_end, kLoadAddr + img.footprint);
  return img;
}

}  // namespace hvmtool::common::bzimage
