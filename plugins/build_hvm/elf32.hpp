#pragma once

// Bounds-checked reading of a 32-bit i386 ELF executable (hvmloader or a
// custom `firmware:` image). Shared, header-only, by the firmware plugin
// (header checks) and the build_hvm plugin (segments). Every problem is an
// ImageError "FILE: offset 0x..: reason"; nothing here trusts the file.

#include <elf.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <hvmtool/error.hpp>

namespace hvmtool::elf32 {

inline std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

[[noreturn]] inline void fail(const std::string& file, std::uint64_t offset, const std::string& reason) {
  throw ImageError(file + ": offset " + hex(offset) + ": " + reason);
}

struct Segment {
  unsigned index = 0;             // program header index
  std::uint64_t phdr_offset = 0;  // file offset of its program header
  std::uint32_t paddr = 0;
  std::uint32_t offset = 0;  // file offset of its data
  std::uint32_t filesz = 0;
  std::uint32_t memsz = 0;
  std::uint64_t end() const { return std::uint64_t(paddr) + memsz; }
};

struct Image {
  std::uint32_t entry = 0;
  std::vector<Segment> segments;  // PT_LOAD with memsz > 0, sorted by paddr
  std::uint64_t low() const { return segments.empty() ? 0 : segments.front().paddr; }
  std::uint64_t high() const {
    std::uint64_t h = 0;
    for (const auto& s : segments) h = std::max(h, s.end());
    return h;
  }
};

// Largest memory image accepted: hvmloader is well under 1 MiB; anything
// near this is a corrupt header, not firmware.
inline constexpr std::uint32_t kMaxImageBytes = 64u << 20;

// ELF identification and header: ELF32, little-endian, i386, ET_EXEC.
inline Elf32_Ehdr check_header(std::span<const std::byte> bytes, const std::string& file) {
  Elf32_Ehdr eh;
  if (bytes.size() < sizeof eh)
    fail(file, 0,
         "truncated ELF header (" + std::to_string(bytes.size()) + " bytes, need " + std::to_string(sizeof eh) + ")");
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) fail(file, 0, "not an ELF file (bad magic)");
  if (eh.e_ident[EI_CLASS] != ELFCLASS32)
    fail(file, EI_CLASS, "not a 32-bit ELF (EI_CLASS " + std::to_string(eh.e_ident[EI_CLASS]) + ")");
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
    fail(file, EI_DATA, "not little-endian (EI_DATA " + std::to_string(eh.e_ident[EI_DATA]) + ")");
  if (eh.e_type != ET_EXEC)
    fail(file, offsetof(Elf32_Ehdr, e_type), "not an executable (e_type " + std::to_string(eh.e_type) + ")");
  if (eh.e_machine != EM_386)
    fail(file, offsetof(Elf32_Ehdr, e_machine), "not an i386 image (e_machine " + std::to_string(eh.e_machine) + ")");
  return eh;
}

// Where segments may go: [0, ram_end) minus the `holes`.
struct Hole {
  std::uint64_t start, end;  // [start, end)
  const char* what;
};

inline Image parse(std::span<const std::byte> bytes, const std::string& file, std::uint64_t ram_end,
                   const std::vector<Hole>& holes) {
  const Elf32_Ehdr eh = check_header(bytes, file);
  const std::uint64_t size = bytes.size();
  if (eh.e_phnum == 0) fail(file, offsetof(Elf32_Ehdr, e_phnum), "no program headers");
  if (eh.e_phentsize != sizeof(Elf32_Phdr))
    fail(file, offsetof(Elf32_Ehdr, e_phentsize),
         "program header size " + std::to_string(eh.e_phentsize) + " (expected " + std::to_string(sizeof(Elf32_Phdr)) +
             ")");
  const std::uint64_t ph_end = std::uint64_t(eh.e_phoff) + std::uint64_t(eh.e_phnum) * sizeof(Elf32_Phdr);
  if (ph_end > size)
    fail(file, offsetof(Elf32_Ehdr, e_phoff),
         "program headers " + hex(eh.e_phoff) + "-" + hex(ph_end) + " beyond the end of the file (" + hex(size) +
             " bytes)");

  Image img;
  img.entry = eh.e_entry;
  std::uint64_t total = 0;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const std::uint64_t at = eh.e_phoff + std::uint64_t(i) * sizeof(Elf32_Phdr);
    Elf32_Phdr ph;
    std::memcpy(&ph, bytes.data() + at, sizeof ph);
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    const std::string seg = "segment " + std::to_string(i);
    if (ph.p_filesz > ph.p_memsz)
      fail(file, at + offsetof(Elf32_Phdr, p_filesz),
           seg + " file size " + hex(ph.p_filesz) + " exceeds its memory size " + hex(ph.p_memsz));
    if (ph.p_memsz > kMaxImageBytes)
      fail(file, at + offsetof(Elf32_Phdr, p_memsz),
           seg + " memory size " + hex(ph.p_memsz) + " is absurd (limit " + hex(kMaxImageBytes) + ")");
    if (std::uint64_t(ph.p_offset) + ph.p_filesz > size)
      fail(file, at + offsetof(Elf32_Phdr, p_offset),
           seg + " data " + hex(ph.p_offset) + "+" + hex(ph.p_filesz) + " beyond the end of the file (" + hex(size) +
               " bytes)");
    const std::uint64_t start = ph.p_paddr, end = start + ph.p_memsz;
    const std::string range = hex(start) + "-" + hex(end - 1);
    if (end > ram_end)
      fail(file, at + offsetof(Elf32_Phdr, p_paddr),
           seg + " at " + range + " is outside low RAM (0x0-" + hex(ram_end - 1) + ")");
    for (const Hole& h : holes)
      if (start < h.end && h.start < end)
        fail(file, at + offsetof(Elf32_Phdr, p_paddr),
             seg + " at " + range + " overlaps " + h.what + " " + hex(h.start) + "-" + hex(h.end - 1));
    for (const Segment& o : img.segments)
      if (start < o.end() && o.paddr < end)
        fail(file, at + offsetof(Elf32_Phdr, p_paddr),
             seg + " at " + range + " overlaps segment " + std::to_string(o.index) + " at " + hex(o.paddr) + "-" +
                 hex(o.end() - 1));
    total += ph.p_memsz;
    if (total > kMaxImageBytes)
      fail(file, at + offsetof(Elf32_Phdr, p_memsz),
           "segments total " + hex(total) + " bytes, absurd (limit " + hex(kMaxImageBytes) + ")");
    img.segments.push_back({i, at, ph.p_paddr, ph.p_offset, ph.p_filesz, ph.p_memsz});
  }
  if (img.segments.empty()) fail(file, offsetof(Elf32_Ehdr, e_phoff), "no loadable segment");
  std::sort(img.segments.begin(), img.segments.end(),
            [](const Segment& a, const Segment& b) { return a.paddr < b.paddr; });
  bool entry_ok = false;
  for (const Segment& s : img.segments)
    if (eh.e_entry >= s.paddr && eh.e_entry < s.end()) entry_ok = true;
  if (!entry_ok)
    fail(file, offsetof(Elf32_Ehdr, e_entry), "entry " + hex(eh.e_entry) + " is not inside a loadable segment");
  return img;
}

}  // namespace hvmtool::elf32
