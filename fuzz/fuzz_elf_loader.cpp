// The ELF loaders: build_hvm's firmware loader (hvmloader or a `firmware:`
// ELF32, placed at its link address in an HVM guest's low RAM around the
// VGA hole and the special pages) and plugins/common's ELF32/ELF64 reader
// behind the PVH path, with every note's numeric value read.
#include <cstddef>
#include <cstdint>
#include <span>

#include "elf32.hpp"
#include "fuzz_check.hpp"
#include "hvmtool/error.hpp"
#include "hvmtool_common/elf_image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hvmtool::fuzz::Text;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    hvmtool::elf32::check_header(bytes, "fw.elf");
    const std::vector<hvmtool::elf32::Hole> holes = {
        {0xA0000, 0xC0000, "the VGA hole"}, {0x9F000, 0xA0000, "the hvm_info page"}, {0xFEFF0000, 1ull << 32, "x"}};
    (void)hvmtool::elf32::parse(bytes, "fw.elf", 128ull << 20, holes);
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
