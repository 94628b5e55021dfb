#pragma once

// Checks that a file is a UEFI platform flash image (OVMF.fd, OVMF_CODE.fd):
// what hvmloader can copy to the top of 4 GiB and enter through the reset
// vector in its last 16 bytes. Errors name the file, offset and reason.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <hvmtool/guest_abi.h>

namespace hvmtool::firmware {

// Largest image: its window [4 GiB - 8 MiB, 4 GiB) stays clear of the
// special pages, IOAPIC and LAPIC below 0xFF000000.
inline constexpr std::uint64_t kUefiImageMax = 8ull << 20;
// hvmloader copies the last 64 KiB to 0xF0000 for the real-mode reset vector.
inline constexpr std::uint64_t kUefiImageMin = HVMTOOL_ABI_UEFI_LOWCHUNK_SIZE;

// True if `head` (the file's first bytes) starts with a firmware volume
// header: how a `bios:` path is told apart from a legacy BIOS image.
bool looks_like_uefi_image(std::span<const std::byte> head);

// Throws ImageError unless `bytes` is a plausible flash image: size a
// multiple of 4 KiB within [kUefiImageMin, kUefiImageMax], and a first
// firmware volume whose header has the "_FVH" signature, a sane header and
// volume length, and a zero 16-bit checksum.
void check_uefi_image(std::span<const std::byte> bytes, const std::string& file);

}  // namespace hvmtool::firmware
