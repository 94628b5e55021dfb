#include "hvmtool_common/elf_placement.hpp"

#include <elf.h>

#include <cstddef>
#include <cstring>

#include "hvmtool_common/image_file.hpp"

namespace hvmtool::common {

ElfImage parse_i386_exec(std::span<const std::byte> bytes, const std::string& file, const ElfLimits& limits) {
  // The class is checked before parse_elf, which would read an ELF64 happily.
  const auto* id = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() >= EI_NIDENT && std::memcmp(id, ELFMAG, SELFMAG) == 0 && id[EI_CLASS] != ELFCLASS32)
    image_fail(file, EI_CLASS, "not a 32-bit ELF (EI_CLASS " + std::to_string(id[EI_CLASS]) + ")");
  ElfImage img = parse_elf(bytes, file, limits);
  if (img.machine != EM_386)
    image_fail(file, offsetof(Elf32_Ehdr, e_machine),
               "not an i386 image (e_machine " + std::to_string(img.machine) + ")");
  return img;
}

void check_elf_placement(const ElfImage& img, const std::string& file, std::uint64_t ram_begin, std::uint64_t ram_end,
                         std::string_view ram_what, const std::vector<ElfHole>& holes) {
  for (const ElfSegment& s : img.segments) {
    const std::string seg = "segment " + std::to_string(s.index) + " at " + hex(s.paddr) + "-" + hex(s.end() - 1);
    if (s.paddr < ram_begin || s.end() > ram_end)
      image_fail(file, s.paddr_field,
                 seg + " is outside " + std::string(ram_what) + " (" + hex(ram_begin) + "-" + hex(ram_end - 1) + ")");
    for (const ElfHole& h : holes)
      if (s.paddr < h.end && h.start < s.end())
        image_fail(file, s.paddr_field, seg + " overlaps " + h.what + " " + hex(h.start) + "-" + hex(h.end - 1));
  }
}

void check_elf_entry(const ElfImage& img, const std::string& file) {
  for (const ElfSegment& s : img.segments)
    if (img.entry >= s.paddr && img.entry < s.end()) return;
  // e_entry is at the same offset in ELF32 and ELF64 headers.
  image_fail(file, offsetof(Elf32_Ehdr, e_entry), "entry " + hex(img.entry) + " is not inside a loadable segment");
}

}  // namespace hvmtool::common
