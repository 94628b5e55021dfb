#pragma once

// Bounds-checked reading of an x86 ELF executable, 32- or 64-bit: the file
// header, PT_LOAD segments (by physical address) and the notes of PT_NOTE
// segments and SHT_NOTE sections. Nothing in the file is trusted: every
// offset and size is checked against the file before it is used, and each
// problem is an ImageError "FILE: offset 0x..: reason" naming the offset of
// the offending field. Placement (which physical ranges are allowed) is the
// caller's: Segment keeps the offset of its program header for messages.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hvmtool::common {

struct ElfSegment {
  unsigned index = 0;             // program header index
  std::uint64_t phdr_offset = 0;  // file offset of its program header
  std::uint64_t paddr_field = 0;  // file offset of its p_paddr field
  std::uint64_t paddr = 0;
  std::uint64_t offset = 0;  // file offset of its data
  std::uint64_t filesz = 0;
  std::uint64_t memsz = 0;
  std::uint64_t end() const { return paddr + memsz; }
};

struct ElfNote {
  std::string name;  // without the terminating NUL
  std::uint32_t type = 0;
  std::uint64_t offset = 0;       // file offset of the note header
  std::uint64_t desc_offset = 0;  // file offset of the descriptor
  std::uint64_t desc_size = 0;
};

struct ElfLimits {
  std::uint64_t max_segment = 512ull << 20;  // one segment's memory size
  std::uint64_t max_total = 512ull << 20;    // all segments together
};

struct ElfImage {
  unsigned elf_class = 0;  // 32 or 64
  std::uint16_t machine = 0;
  std::uint64_t entry = 0;
  std::vector<ElfSegment> segments;  // PT_LOAD with memsz > 0, sorted by paddr
  std::vector<ElfNote> notes;        // from PT_NOTE segments, else from SHT_NOTE sections
  bool notes_from_sections = false;

  std::uint64_t low() const { return segments.empty() ? 0 : segments.front().paddr; }
  std::uint64_t high() const;
};

// ELFCLASS32 with EM_386 or ELFCLASS64 with EM_X86_64 (either class with
// either x86 machine is accepted: a 64-bit kernel may come as an ELF32),
// little-endian, ET_EXEC. Segments must not overlap each other.
ElfImage parse_elf(std::span<const std::byte> bytes, const std::string& file, const ElfLimits& limits = {});

// The byte ranges of an ELF file that parse_elf reads: the file header, the
// program header table, the data of PT_NOTE segments, the section header
// table and the data of SHT_NOTE sections. Found by reading only those,
// through `read` (offset, size, destination; never asked for bytes past
// `file_size`), so that a large kernel is parsed without its segments being
// read. Tables that make no sense add nothing: parse_elf reports them.
struct ElfRange {
  std::uint64_t offset = 0, size = 0;
};
std::vector<ElfRange> elf_parse_ranges(std::uint64_t file_size,
                                       const std::function<void(std::uint64_t, std::uint64_t, std::byte*)>& read);

// The descriptor of `note` as a little-endian number of 1, 2, 4 or 8 bytes
// (Xen's elf_note_numeric); ImageError otherwise.
std::uint64_t note_numeric(std::span<const std::byte> bytes, const std::string& file, const ElfNote& note);

}  // namespace hvmtool::common
