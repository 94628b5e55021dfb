#include "guest_tables.hpp"

#include <stdint.h>

#include <xen/xen.h>

#include <xen/arch-x86/hvm/start_info.h>
#include <xen/hvm/hvm_info_table.h>

#include <cstring>

#include <hvmtool/error.hpp>

namespace hvmtool::build_hvm {

std::vector<std::byte> make_start_info_page(std::uint64_t page_paddr, const std::vector<StartInfoModule>& modules,
                                            std::uint64_t cmdline_paddr) {
  std::vector<std::byte> page(kPageSize);
  hvm_start_info si{};
  si.magic = XEN_HVM_START_MAGIC_VALUE;
  si.version = 1;
  si.nr_modules = static_cast<std::uint32_t>(modules.size());
  si.cmdline_paddr = cmdline_paddr;
  const std::size_t list_off = (sizeof si + 7) & ~std::size_t(7);
  std::size_t name_off = list_off + modules.size() * sizeof(hvm_modlist_entry);
  si.modlist_paddr = modules.empty() ? 0 : page_paddr + list_off;
  for (std::size_t i = 0; i < modules.size(); ++i) {
    const std::string& n = modules[i].name;
    if (name_off + n.size() + 1 > page.size()) throw Error("build_hvm: too many modules for the start info page");
    hvm_modlist_entry e{};
    e.paddr = modules[i].paddr;
    e.size = modules[i].size;
    e.cmdline_paddr = page_paddr + name_off;
    std::memcpy(page.data() + list_off + i * sizeof e, &e, sizeof e);
    std::memcpy(page.data() + name_off, n.c_str(), n.size() + 1);
    name_off += n.size() + 1;
  }
  std::memcpy(page.data(), &si, sizeof si);
  return page;
}

std::vector<std::byte> make_hvm_info(unsigned vcpus, const MemoryLayout& layout) {
  hvm_info_table t{};
  std::memcpy(t.signature, "HVM INFO", 8);
  t.length = sizeof t;
  t.apic_mode = 1;
  t.nr_vcpus = vcpus;
  for (unsigned i = 0; i < vcpus && i < HVM_MAX_VCPUS; ++i)
    t.vcpu_online[i / 8] |= static_cast<std::uint8_t>(1u << (i % 8));
  t.low_mem_pgend = static_cast<std::uint32_t>(layout.low_end >> kPageShift);
  t.reserved_mem_pgstart = static_cast<std::uint32_t>(kReservedPgStart);
  t.high_mem_pgend = static_cast<std::uint32_t>(layout.high_end() >> kPageShift);
  std::uint8_t sum = 0;
  const auto* p = reinterpret_cast<const std::uint8_t*>(&t);
  for (std::size_t i = 0; i < sizeof t; ++i) sum = static_cast<std::uint8_t>(sum + p[i]);
  t.checksum = static_cast<std::uint8_t>(-sum);
  std::vector<std::byte> bytes(sizeof t);
  std::memcpy(bytes.data(), &t, sizeof t);
  return bytes;
}

}  // namespace hvmtool::build_hvm
