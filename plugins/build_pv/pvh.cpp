#include "pvh.hpp"

#include <stdint.h>

#include <xen/xen.h>

#include <xen/arch-x86/hvm/start_info.h>
#include <xen/elfnote.h>

#include <cstring>

#include <hvmtool/error.hpp>

#include "hvmtool_common/elf_placement.hpp"
#include "hvmtool_common/image_file.hpp"

namespace hvmtool::build_pv {

using common::hex;
using common::image_fail;

PvhImage parse_pvh(std::span<const std::byte> bytes, const std::string& file, std::uint64_t ram_end) {
  PvhImage img;
  img.elf = common::parse_elf(bytes, file);
  common::check_elf_placement(img.elf, file, kKernelAddr, ram_end, "the RAM available to the kernel");
  // Every PVH entry note counts: two that disagree leave the entry unknown
  // (Xen's libelf would take one, another reader the other).
  const common::ElfNote* note = nullptr;
  std::uint64_t entry = 0;
  for (const common::ElfNote& n : img.elf.notes) {
    if (n.name != "Xen" || n.type != XEN_ELFNOTE_PHYS32_ENTRY) continue;
    const std::uint64_t value = common::note_numeric(bytes, file, n);
    if (note && value != entry)
      image_fail(file, n.desc_offset,
                 "a second PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) says " + hex(value) + ", the one at offset " +
                     hex(note->offset) + " says " + hex(entry));
    if (!note) {
      note = &n;
      entry = value;
    }
  }
  if (!note)
    image_fail(file, 0,
               "no PVH entry note (Xen note type " + std::to_string(XEN_ELFNOTE_PHYS32_ENTRY) +
                   ", XEN_ELFNOTE_PHYS32_ENTRY) among the " + std::to_string(img.elf.notes.size()) +
                   " note(s) of its PT_NOTE segments and SHT_NOTE sections");
  if (entry >= k4G) image_fail(file, note->desc_offset, "PVH entry " + hex(entry) + " is above 4 GiB");
  bool inside = false;
  for (const common::ElfSegment& s : img.elf.segments)
    if (entry >= s.paddr && entry < s.end()) inside = true;
  if (!inside) image_fail(file, note->desc_offset, "PVH entry " + hex(entry) + " is not inside a loadable segment");
  img.entry = static_cast<std::uint32_t>(entry);
  return img;
}

std::vector<std::byte> make_start_info(const StartInfoInputs& in) {
  std::vector<std::byte> page(kPage);
  hvm_start_info si{};
  si.magic = XEN_HVM_START_MAGIC_VALUE;
  si.version = 1;
  si.cmdline_paddr = in.cmdline_paddr;
  si.rsdp_paddr = in.rsdp_paddr;
  std::size_t at = (sizeof si + 15) & ~std::size_t(15);
  if (in.ramdisk_size) {
    hvm_modlist_entry m{};
    m.paddr = in.ramdisk_paddr;
    m.size = in.ramdisk_size;
    si.nr_modules = 1;
    si.modlist_paddr = kStartInfoAddr + at;
    std::memcpy(page.data() + at, &m, sizeof m);
    at += sizeof m;
  }
  if (at + in.memmap.size() * sizeof(hvm_memmap_table_entry) > page.size())
    throw Error("build_pv: memory map too large for the start info page");
  si.memmap_paddr = kStartInfoAddr + at;
  si.memmap_entries = static_cast<std::uint32_t>(in.memmap.size());
  for (const E820Entry& e : in.memmap) {
    hvm_memmap_table_entry m{};
    m.addr = e.addr;
    m.size = e.size;
    m.type = e.type;
    std::memcpy(page.data() + at, &m, sizeof m);
    at += sizeof m;
  }
  std::memcpy(page.data(), &si, sizeof si);
  return page;
}

}  // namespace hvmtool::build_pv
