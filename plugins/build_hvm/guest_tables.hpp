#pragma once

// The two tables build_hvm hands hvmloader (hvmloader/README.md): the
// hvm_start_info page with its module list and module names, and the
// hvm_info table, each as the bytes to write at its guest address.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <hvmtool/config.hpp>

#include "memory_layout.hpp"

namespace hvmtool::build_hvm {

struct StartInfoModule {
  std::string name;  // what hvmloader looks modules up by
  std::uint64_t paddr = 0, size = 0;
};

// One page for `page_paddr`: hvm_start_info v1, the module list after it,
// the names after that. Throws when the names do not fit the page.
std::vector<std::byte> make_start_info_page(std::uint64_t page_paddr, const std::vector<StartInfoModule>& modules,
                                            std::uint64_t cmdline_paddr);

// hvm_info (Xen's build_hvm_info): vCPUs online, the memory layout, its
// 8-bit checksum.
std::vector<std::byte> make_hvm_info(unsigned vcpus, const MemoryLayout& layout);

}  // namespace hvmtool::build_hvm
