// build_pv's PVH path: the ELF's notes searched for XEN_ELFNOTE_PHYS32_ENTRY
// (duplicates, alignment, descriptor sizes), its segments and entry checked
// against a 64 MiB guest, then the start info page built. And the same parse
// of only the ranges elf_parse_ranges names (the rest zeros, as build_pv
// reads a kernel): it must come to exactly the same result or refusal.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "hvmtool/error.hpp"
#include "hvmtool_common/elf_image.hpp"
#include "pvh.hpp"

namespace {

// What a parse came to, as one comparable string.
std::string outcome(std::span<const std::byte> bytes) {
  try {
    const hvmtool::build_pv::PvhImage img = hvmtool::build_pv::parse_pvh(bytes, "pvh.elf", 64ull << 20);
    std::string s = "entry " + std::to_string(img.entry);
    for (const auto& seg : img.elf.segments)
      s += " seg " + std::to_string(seg.paddr) + "+" + std::to_string(seg.memsz) + "@" + std::to_string(seg.offset);
    for (const auto& n : img.elf.notes) s += " note " + n.name + "/" + std::to_string(n.type);
    return s;
  } catch (const hvmtool::Error& e) {
    return std::string("error ") + e.what();
  }
}

}  // namespace

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

  std::vector<std::byte> sparse(size);
  const auto ranges =
      hvmtool::common::elf_parse_ranges(size, [&](std::uint64_t off, std::uint64_t len, std::byte* dst) {
        if (off > size || len > size - off) {
          std::fprintf(stderr, "fuzz: elf_parse_ranges read %llu+%llu past the %zu-byte file\n",
                       static_cast<unsigned long long>(off), static_cast<unsigned long long>(len), size);
          std::abort();
        }
        if (len) std::memcpy(dst, data + off, len);
      });
  for (const auto& r : ranges) {
    if (r.offset > size || r.size > size - r.offset) std::abort();  // ranges are clipped to the file
    if (r.size) std::memcpy(sparse.data() + r.offset, data + r.offset, r.size);
  }
  const std::string whole = outcome(bytes), partial = outcome(sparse);
  if (whole != partial) {
    std::fprintf(stderr, "fuzz: the parse of the ranges differs from the whole file's:\n  whole:  %s\n  ranges: %s\n",
                 whole.c_str(), partial.c_str());
    std::abort();
  }
  return 0;
}
