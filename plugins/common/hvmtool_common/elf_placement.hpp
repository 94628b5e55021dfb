#pragma once

// What a builder asks of an ELF image beyond its well-formedness
// (elf_image.hpp): the kind of executable it can enter, and where its
// segments may land in the guest. Errors are ImageErrors naming the offset
// of the offending field.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hvmtool_common/elf_image.hpp"

namespace hvmtool::common {

// A 32-bit i386 executable: what is entered in 32-bit protected mode
// (hvmloader, or a `firmware:` image replacing it). parse_elf's checks plus
// the class and machine.
ElfImage parse_i386_exec(std::span<const std::byte> bytes, const std::string& file, const ElfLimits& limits = {});

// For a firmware loader: hvmloader is well under 1 MiB, so a segment near
// these sizes is a corrupt header, not firmware.
inline constexpr ElfLimits kLoaderElfLimits{64ull << 20, 64ull << 20};

struct ElfHole {
  std::uint64_t start, end;  // [start, end)
  const char* what;          // "the VGA hole"
};

// Every segment inside [ram_begin, ram_end) ("outside RAM_WHAT") and clear
// of each hole.
void check_elf_placement(const ElfImage& img, const std::string& file, std::uint64_t ram_begin, std::uint64_t ram_end,
                         std::string_view ram_what, const std::vector<ElfHole>& holes = {});

// The ELF header's entry point lies inside a loadable segment.
void check_elf_entry(const ElfImage& img, const std::string& file);

}  // namespace hvmtool::common
