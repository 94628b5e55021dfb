// plugins/common's ELF reader, both ways it is used: as build_hvm's firmware
// loader (an i386 ELF32 placed at its link address in an HVM guest's low RAM
// around the VGA hole and the special pages) and behind the PVH path
// (ELF32/ELF64, with every note's numeric value read).
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "hvmtool/error.hpp"
#include "hvmtool_common/elf_image.hpp"
#include "hvmtool_common/elf_placement.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hvmtool::fuzz::Text;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    const std::vector<hvmtool::common::ElfHole> holes = {
        {0xA0000, 0xC0000, "the VGA hole"}, {0x9F000, 0xA0000, "the hvm_info page"}, {0xFEFF0000, 1ull << 32, "x"}};
    const hvmtool::common::ElfImage fw =
        hvmtool::common::parse_i386_exec(bytes, "fw.elf", hvmtool::common::kLoaderElfLimits);
    hvmtool::common::check_elf_placement(fw, "fw.elf", 0, 128ull << 20, "low RAM", holes);
    hvmtool::common::check_elf_entry(fw, "fw.elf");
  } catch (const hvmtool::Error& e) {
    hvmtool::fuzz::check_message(e, Text::guest);
  }
  try {
    const hvmtool::common::ElfImage img = hvmtool::common::parse_elf(bytes, "k.elf");
    for (const auto& note : img.notes) {
      try {
        (void)hvmtool::common::note_numeric(bytes, "k.elf", note);
      } catch (const hvmtool::Error& e) {
        hvmtool::fuzz::check_message(e, Text::guest);
      }
    }
  } catch (const hvmtool::Error& e) {
    hvmtool::fuzz::check_message(e, Text::guest);
  }
  return 0;
}
