#pragma once

// A Linux bzImage's setup header read through the x86 boot protocol
// (Documentation/arch/x86/boot.rst), the one parser for every loader that
// boots one: build_pv (the 64-bit entry at load address + 0x200) and
// build_hvm for hvmloader (the 32-bit entry at code32_start), so the host
// refuses exactly what either entry would fail on, before a domain exists.
//
// Order of the checks: first the three fields that say whether there is a
// setup header at all and which fields it has (boot_flag, header "HdrS",
// version), then every field in the protocol's offset order, each on its
// own merits and only if the image's protocol version has it, then what
// the loader asks of it (its entry, the command line, the RAM it has).
// Each problem is an ImageError "FILE: offset 0x..: reason" with the offset
// of the offending header field.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace hvmtool::common::bzimage {

// Setup header field offsets in the file (= in struct boot_params).
inline constexpr std::uint64_t kSetupSects = 0x1f1, kSyssize = 0x1f4, kBootFlag = 0x1fe, kJump = 0x200,
                               kHeaderMagic = 0x202, kVersion = 0x206, kLoadflags = 0x211, kCode32Start = 0x214,
                               kInitrdAddrMax = 0x22c, kKernelAlignment = 0x230, kRelocatable = 0x234,
                               kMinAlignment = 0x235, kXloadflags = 0x236, kCmdlineSize = 0x238, kPayloadOffset = 0x248,
                               kPayloadLength = 0x24c, kPrefAddress = 0x258, kInitSize = 0x260,
                               kKernelInfoOffset = 0x268;
// Bytes needed to read the version field.
inline constexpr std::uint64_t kIdentMin = kVersion + 2;
// The protected-mode kernel is loaded here (the protocol's "high" load).
inline constexpr std::uint64_t kLoadAddr = 0x100000;

enum class Entry {
  protected32,  // jump to code32_start in flat 32-bit mode (protocol >= 2.02): hvmloader
  long64,       // jump to load address + 0x200 in long mode (>= 2.12, XLF_KERNEL_64): build_pv
};

// What the loader offers the kernel.
struct Loader {
  Entry entry = Entry::long64;
  std::uint64_t ram_end = 0;       // RAM runs from kLoadAddr (and below) to here
  std::uint64_t cmdline_len = 0;   // the command line to pass, without its NUL
  std::uint64_t cmdline_room = 0;  // the longest the loader can place, without the NUL
};

struct Image {
  std::uint16_t version = 0;
  std::uint64_t setup_size = 0;   // (setup_sects + 1) * 512: the protected-mode kernel's file offset
  std::uint64_t kernel_size = 0;  // bytes copied to kLoadAddr (syssize * 16, within the file)
  std::uint64_t header_end = 0;   // setup header bytes [0x1f1, header_end) go into the zero page
  // Memory the kernel needs from kLoadAddr: max(kernel_size, init_size),
  // page aligned (what hvmloader reserves after the load address).
  std::uint64_t footprint = 0;
  // Where init_size ends once the kernel runs: a relocatable kernel moves
  // up to pref_address aligned to kernel_alignment, a fixed one runs at
  // pref_address (boot.rst, init_size), page aligned.
  std::uint64_t runtime_end = 0;
  std::uint32_t initrd_addr_max = 0;  // highest byte an initrd may occupy
  std::uint32_t cmdline_max = 0;      // longest command line the kernel takes, without the NUL
  std::uint16_t xloadflags = 0;
  std::uint64_t entry = 0;  // where the loader's entry mode jumps to
};

Image parse(std::span<const std::byte> bytes, const std::string& file, const Loader& loader);

// "2.15"
std::string version_string(std::uint16_t version);

}  // namespace hvmtool::common::bzimage
