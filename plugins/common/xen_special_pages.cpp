#include "hvmtool_common/xen_special_pages.hpp"

// Xen's public headers expect the C fixed-width types in the global namespace.
#include <stdint.h>

#include <xen/xen.h>

#include <xen/hvm/params.h>

#include <cstring>
#include <vector>

#include <hvmtool/error.hpp>

namespace hvmtool::common::xen_special {

std::uint64_t populate(Domain& domain) {
  const std::uint64_t got = domain.populate_physmap(kFirstPfn, kPages, 0);
  if (got != kPages)
    throw PlatformError("the platform backed " + std::to_string(got) + " of the " + std::to_string(kPages) +
                        " special pages at gpfn 0xfeff0");
  return got;
}

void publish(Domain& domain) {
  {
    GuestMapping m = domain.map(kFirstPfn << kPageShift, kPages << kPageShift);
    std::memset(m.data(), 0, m.size());
  }
  {
    std::vector<std::uint32_t> pt(1024);
    for (std::uint32_t i = 0; i < 1024; ++i)
      pt[i] = (i << 22) | 0x1 /*P*/ | 0x2 /*RW*/ | 0x4 /*US*/ | 0x20 /*A*/ | 0x40 /*D*/ | 0x80 /*PSE*/;
    GuestMapping m = domain.map(special_pfn(ident_pt) << kPageShift, pt.size() * sizeof pt[0]);
    std::memcpy(m.data(), pt.data(), pt.size() * sizeof pt[0]);
  }
  domain.set_hvm_param(HVM_PARAM_STORE_PFN, special_pfn(xenstore));
  domain.set_hvm_param(HVM_PARAM_BUFIOREQ_PFN, special_pfn(bufioreq));
  domain.set_hvm_param(HVM_PARAM_IOREQ_PFN, special_pfn(ioreq));
  domain.set_hvm_param(HVM_PARAM_CONSOLE_PFN, special_pfn(console));
  domain.set_hvm_param(HVM_PARAM_PAGING_RING_PFN, special_pfn(paging));
  domain.set_hvm_param(HVM_PARAM_MONITOR_RING_PFN, special_pfn(access));
  domain.set_hvm_param(HVM_PARAM_SHARING_RING_PFN, special_pfn(sharing));
  domain.set_hvm_param(HVM_PARAM_IDENT_PT, special_pfn(ident_pt) << kPageShift);
  domain.set_hvm_param(HVM_PARAM_IOREQ_SERVER_PFN, kIoreqServerPfn);
  domain.set_hvm_param(HVM_PARAM_NR_IOREQ_SERVER_PAGES, kNrIoreqServerPages);
}

}  // namespace hvmtool::common::xen_special
