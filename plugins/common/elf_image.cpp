#include "hvmtool_common/elf_image.hpp"

#include <elf.h>

#include <algorithm>
#include <cstddef>

#include "hvmtool_common/guest_text.hpp"
#include "hvmtool_common/image_file.hpp"

namespace hvmtool::common {
namespace {

template <unsigned Class>
struct Types;
template <>
struct Types<32> {
  using Ehdr = Elf32_Ehdr;
  using Phdr = Elf32_Phdr;
  using Shdr = Elf32_Shdr;
};
template <>
struct Types<64> {
  using Ehdr = Elf64_Ehdr;
  using Phdr = Elf64_Phdr;
  using Shdr = Elf64_Shdr;
};

// The padding of the notes in a PT_NOTE segment or SHT_NOTE section: its
// p_align/sh_addralign, 4 (the usual; 0 and 1 mean the same) or 8 (64-bit
// GNU property notes). Anything else is not a note layout anyone writes.
std::uint64_t note_alignment(const std::string& file, std::uint64_t field_at, std::uint64_t align,
                             const std::string& where) {
  if (align <= 4) return 4;
  if (align == 8) return 8;
  image_fail(file, field_at, where + " alignment " + hex(align) + " is not 4 or 8");
}

// Notes in [start, start+size) of the file (already inside the file), each
// header at a multiple of `align`, the name and descriptor padded to it
// (desc at align_up(header + namesz), next at align_up(desc + descsz)).
// `offset_field` is the file offset of the p_offset/sh_offset naming `start`.
void parse_notes(std::span<const std::byte> bytes, const std::string& file, std::uint64_t start, std::uint64_t size,
                 std::uint64_t align, std::uint64_t offset_field, const std::string& where, std::vector<ElfNote>& out) {
  if (start % align)
    image_fail(file, offset_field,
               where + " starts at file offset " + hex(start) + ", not " + std::to_string(align) + "-byte aligned");
  const std::uint64_t end = start + size;
  auto align_up = [align](std::uint64_t v) { return (v + align - 1) & ~(align - 1); };
  std::uint64_t at = start;
  while (at < end) {
    if (end - at < sizeof(Elf32_Nhdr))  // Elf32_Nhdr == Elf64_Nhdr on x86
      image_fail(file, at,
                 "note header truncated: " + hex(end - at) + " bytes left in " + where + " (need " +
                     hex(sizeof(Elf32_Nhdr)) + ")");
    const auto nh = load<Elf32_Nhdr>(bytes, at);
    const std::uint64_t name_at = at + sizeof nh;
    if (nh.n_namesz > end - name_at)
      image_fail(file, at + offsetof(Elf32_Nhdr, n_namesz),
                 "note name (" + hex(nh.n_namesz) + " bytes) runs past the end of " + where + " at " + hex(end));
    const std::uint64_t desc_at = align_up(name_at + nh.n_namesz);
    if (desc_at > end || nh.n_descsz > end - desc_at)
      image_fail(file, at + offsetof(Elf32_Nhdr, n_descsz),
                 "note descriptor (" + hex(nh.n_descsz) + " bytes) runs past the end of " + where + " at " + hex(end));
    ElfNote n;
    if (nh.n_namesz) {
      const char* p = reinterpret_cast<const char*>(bytes.data() + name_at);
      std::size_t len = 0;
      while (len < nh.n_namesz && p[len]) ++len;
      n.name.assign(p, len);
    }
    n.type = nh.n_type;
    n.offset = at;
    n.desc_offset = desc_at;
    n.desc_size = nh.n_descsz;
    out.push_back(std::move(n));
    at = std::min(align_up(desc_at + nh.n_descsz), end);
  }
}

template <unsigned Class>
ElfImage parse(std::span<const std::byte> bytes, const std::string& file, const ElfLimits& limits) {
  using Ehdr = typename Types<Class>::Ehdr;
  using Phdr = typename Types<Class>::Phdr;
  using Shdr = typename Types<Class>::Shdr;
  const std::uint64_t size = bytes.size();
  if (size < sizeof(Ehdr))
    image_fail(file, 0,
               "truncated ELF header (" + std::to_string(size) + " bytes, need " + std::to_string(sizeof(Ehdr)) + ")");
  const auto eh = load<Ehdr>(bytes, 0);
  if (eh.e_type != ET_EXEC)
    image_fail(file, offsetof(Ehdr, e_type), "not an executable (e_type " + std::to_string(eh.e_type) + ")");
  if (eh.e_machine != EM_386 && eh.e_machine != EM_X86_64)
    image_fail(file, offsetof(Ehdr, e_machine), "not an x86 image (e_machine " + std::to_string(eh.e_machine) + ")");
  if (eh.e_phnum == 0) image_fail(file, offsetof(Ehdr, e_phnum), "no program headers");
  if (eh.e_phentsize != sizeof(Phdr))
    image_fail(
        file, offsetof(Ehdr, e_phentsize),
        "program header size " + std::to_string(eh.e_phentsize) + " (expected " + std::to_string(sizeof(Phdr)) + ")");
  if (eh.e_phoff > size || std::uint64_t(eh.e_phnum) * sizeof(Phdr) > size - eh.e_phoff)
    image_fail(file, offsetof(Ehdr, e_phoff),
               "program headers " + hex(eh.e_phoff) + "+" + hex(std::uint64_t(eh.e_phnum) * sizeof(Phdr)) +
                   " beyond the end of the file (" + hex(size) + " bytes)");

  ElfImage img;
  img.elf_class = Class;
  img.machine = eh.e_machine;
  img.entry = eh.e_entry;
  std::uint64_t total = 0;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const std::uint64_t at = eh.e_phoff + std::uint64_t(i) * sizeof(Phdr);
    const auto ph = load<Phdr>(bytes, at);
    const std::string seg = "segment " + std::to_string(i);
    if (ph.p_type == PT_NOTE) {
      if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
        image_fail(file, at + offsetof(Phdr, p_offset),
                   "note " + seg + " data " + hex(ph.p_offset) + "+" + hex(ph.p_filesz) +
                       " beyond the end of the file (" + hex(size) + " bytes)");
      const std::string where = "note " + seg;
      parse_notes(bytes, file, ph.p_offset, ph.p_filesz,
                  note_alignment(file, at + offsetof(Phdr, p_align), ph.p_align, where), at + offsetof(Phdr, p_offset),
                  where, img.notes);
      continue;
    }
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz)
      image_fail(file, at + offsetof(Phdr, p_filesz),
                 seg + " file size " + hex(ph.p_filesz) + " exceeds its memory size " + hex(ph.p_memsz));
    if (ph.p_memsz > limits.max_segment)
      image_fail(file, at + offsetof(Phdr, p_memsz),
                 seg + " memory size " + hex(ph.p_memsz) + " is absurd (limit " + hex(limits.max_segment) + ")");
    if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
      image_fail(file, at + offsetof(Phdr, p_offset),
                 seg + " data " + hex(ph.p_offset) + "+" + hex(ph.p_filesz) + " beyond the end of the file (" +
                     hex(size) + " bytes)");
    if (ph.p_paddr > UINT64_MAX - ph.p_memsz)
      image_fail(file, at + offsetof(Phdr, p_paddr), seg + " at " + hex(ph.p_paddr) + " wraps around");
    const std::uint64_t start = ph.p_paddr, end = start + ph.p_memsz;
    for (const ElfSegment& o : img.segments)
      if (start < o.end() && o.paddr < end)
        image_fail(file, at + offsetof(Phdr, p_paddr),
                   seg + " at " + hex(start) + "-" + hex(end - 1) + " overlaps segment " + std::to_string(o.index) +
                       " at " + hex(o.paddr) + "-" + hex(o.end() - 1));
    total += ph.p_memsz;
    if (total > limits.max_total)
      image_fail(file, at + offsetof(Phdr, p_memsz),
                 "segments total " + hex(total) + " bytes, absurd (limit " + hex(limits.max_total) + ")");
    img.segments.push_back({i, at, at + offsetof(Phdr, p_paddr), ph.p_paddr, ph.p_offset, ph.p_filesz, ph.p_memsz});
  }
  if (img.segments.empty()) image_fail(file, offsetof(Ehdr, e_phoff), "no loadable segment");
  std::sort(img.segments.begin(), img.segments.end(),
            [](const ElfSegment& a, const ElfSegment& b) { return a.paddr < b.paddr; });

  // No PT_NOTE: look at the sections (a linker script may leave notes out of
  // the program headers). Section headers are optional; bad ones are errors.
  if (img.notes.empty() && eh.e_shnum != 0 && eh.e_shoff != 0) {
    if (eh.e_shentsize != sizeof(Shdr))
      image_fail(
          file, offsetof(Ehdr, e_shentsize),
          "section header size " + std::to_string(eh.e_shentsize) + " (expected " + std::to_string(sizeof(Shdr)) + ")");
    if (eh.e_shoff > size || std::uint64_t(eh.e_shnum) * sizeof(Shdr) > size - eh.e_shoff)
      image_fail(file, offsetof(Ehdr, e_shoff),
                 "section headers " + hex(eh.e_shoff) + "+" + hex(std::uint64_t(eh.e_shnum) * sizeof(Shdr)) +
                     " beyond the end of the file (" + hex(size) + " bytes)");
    for (unsigned i = 0; i < eh.e_shnum; ++i) {
      const std::uint64_t at = eh.e_shoff + std::uint64_t(i) * sizeof(Shdr);
      const auto sh = load<Shdr>(bytes, at);
      if (sh.sh_type != SHT_NOTE) continue;
      const std::string sec = "note section " + std::to_string(i);
      if (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)
        image_fail(file, at + offsetof(Shdr, sh_offset),
                   sec + " data " + hex(sh.sh_offset) + "+" + hex(sh.sh_size) + " beyond the end of the file (" +
                       hex(size) + " bytes)");
      parse_notes(bytes, file, sh.sh_offset, sh.sh_size,
                  note_alignment(file, at + offsetof(Shdr, sh_addralign), sh.sh_addralign, sec),
                  at + offsetof(Shdr, sh_offset), sec, img.notes);
      img.notes_from_sections = true;
    }
  }
  return img;
}

// The header, the program header table and the PT_NOTE data, then the
// section header table and the SHT_NOTE data, each clipped to the file.
template <unsigned Class>
void add_parse_ranges(std::uint64_t size, const std::function<void(std::uint64_t, std::uint64_t, std::byte*)>& read,
                      std::vector<ElfRange>& out) {
  using Ehdr = typename Types<Class>::Ehdr;
  using Phdr = typename Types<Class>::Phdr;
  using Shdr = typename Types<Class>::Shdr;
  if (size < sizeof(Ehdr)) return;
  Ehdr eh;
  read(0, sizeof eh, reinterpret_cast<std::byte*>(&eh));
  out.push_back({0, sizeof eh});
  // Only what lies in the file: a note the header places past its end is
  // for parse_elf to refuse, not for the caller to read.
  auto add = [&](std::uint64_t off, std::uint64_t len) {
    if (off < size && len) out.push_back({off, std::min(len, size - off)});
  };
  auto table = [&](std::uint64_t off, std::uint64_t count, std::uint64_t entsize, std::uint64_t want, auto each) {
    if (entsize != want || off >= size) return;
    const std::uint64_t n = std::min(count, (size - off) / entsize);
    add(off, n * entsize);
    for (std::uint64_t i = 0; i < n; ++i) each(off + i * entsize);
  };
  table(eh.e_phoff, eh.e_phnum, eh.e_phentsize, sizeof(Phdr), [&](std::uint64_t at) {
    Phdr ph;
    read(at, sizeof ph, reinterpret_cast<std::byte*>(&ph));
    if (ph.p_type == PT_NOTE) add(ph.p_offset, ph.p_filesz);
  });
  if (eh.e_shoff == 0) return;
  table(eh.e_shoff, eh.e_shnum, eh.e_shentsize, sizeof(Shdr), [&](std::uint64_t at) {
    Shdr sh;
    read(at, sizeof sh, reinterpret_cast<std::byte*>(&sh));
    if (sh.sh_type == SHT_NOTE) add(sh.sh_offset, sh.sh_size);
  });
}

}  // namespace

std::vector<ElfRange> elf_parse_ranges(std::uint64_t file_size,
                                       const std::function<void(std::uint64_t, std::uint64_t, std::byte*)>& read) {
  std::vector<ElfRange> out;
  if (file_size < EI_NIDENT) return {{0, file_size}};
  unsigned char id[EI_NIDENT];
  read(0, EI_NIDENT, reinterpret_cast<std::byte*>(id));
  if (id[EI_CLASS] == ELFCLASS32)
    add_parse_ranges<32>(file_size, read, out);
  else if (id[EI_CLASS] == ELFCLASS64)
    add_parse_ranges<64>(file_size, read, out);
  out.push_back({0, EI_NIDENT});
  return out;
}

std::uint64_t ElfImage::high() const {
  std::uint64_t h = 0;
  for (const auto& s : segments) h = std::max(h, s.end());
  return h;
}

ElfImage parse_elf(std::span<const std::byte> bytes, const std::string& file, const ElfLimits& limits) {
  if (bytes.size() < EI_NIDENT)
    image_fail(file, 0, "truncated ELF header (" + std::to_string(bytes.size()) + " bytes, need at least 16)");
  const auto* id = reinterpret_cast<const unsigned char*>(bytes.data());
  if (std::memcmp(id, ELFMAG, SELFMAG) != 0) image_fail(file, 0, "not an ELF file (bad magic)");
  if (id[EI_DATA] != ELFDATA2LSB)
    image_fail(file, EI_DATA, "not little-endian (EI_DATA " + std::to_string(id[EI_DATA]) + ")");
  if (id[EI_CLASS] == ELFCLASS32) return parse<32>(bytes, file, limits);
  if (id[EI_CLASS] == ELFCLASS64) return parse<64>(bytes, file, limits);
  image_fail(file, EI_CLASS, "unknown ELF class (EI_CLASS " + std::to_string(id[EI_CLASS]) + ")");
}

std::uint64_t note_numeric(std::span<const std::byte> bytes, const std::string& file, const ElfNote& note) {
  switch (note.desc_size) {
    case 1:
      return load<std::uint8_t>(bytes, note.desc_offset);
    case 2:
      return load<std::uint16_t>(bytes, note.desc_offset);
    case 4:
      return load<std::uint32_t>(bytes, note.desc_offset);
    case 8:
      return load<std::uint64_t>(bytes, note.desc_offset);
    default:
      image_fail(file, note.offset + offsetof(Elf32_Nhdr, n_descsz),
                 "note " + guest_quote(note.name) + " type " + std::to_string(note.type) + " has a " +
                     std::to_string(note.desc_size) + "-byte descriptor (expected 1, 2, 4 or 8)");
  }
}

}  // namespace hvmtool::common
