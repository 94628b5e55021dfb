#pragma once

// The HVM save records libxenguest's vcpu_hvm() (tools/libs/guest/xg_dom_x86.c)
// loads with xc_domain_hvm_setcontext to start vCPU 0: the domain's own
// header (copied from xc_domain_hvm_getcontext), one CPU record, END; and,
// for domains without a device model (PVH), an MTRR record per vCPU with
// MTRRs enabled and write-back as the default type.

#include "xen_c.hpp"

extern "C" {
#include <xen/hvm/save.h>
}

#include <cstdint>
#include <span>
#include <vector>

#include "hvmtool/vcpu.hpp"

namespace hvmtool::xen {

inline constexpr std::uint64_t kDr6Default = 0xffff0ff0;  // X86_DR6_DEFAULT
inline constexpr std::uint64_t kDr7Default = 0x00000400;  // X86_DR7_DEFAULT
inline constexpr std::uint64_t kMtrrTypeWriteBack = 6;
inline constexpr std::uint64_t kMtrrDefTypeEnable = 1u << 11;

// The VMCB/VMCS-style attribute bytes of a segment as Xen's save record
// holds them: type | S<<4 | DPL<<5 | P<<7 | AVL<<8 | L<<9 | DB<<10 | G<<11;
// 0 for an unusable segment.
std::uint32_t segment_arbytes(const Segment& s);

// The CPU record for `c` (every other field zero, DR6/DR7 at their reset values).
hvm_hw_cpu cpu_record(const VcpuContext& c);

// The first record of `typecode`/`instance` in a full context, or nullptr
// (hvm_get_save_record). Throws PlatformError on a malformed context.
const std::uint8_t* find_record(std::span<const std::uint8_t> full, std::uint16_t typecode, std::uint16_t instance,
                                std::uint32_t* length = nullptr);

// header descriptor + header (from `full`), CPU descriptor (instance 0) + record, END.
std::vector<std::uint8_t> bsp_context(std::span<const std::uint8_t> full, const VcpuContext& c);

// header + MTRR (instance `vcpu`, from instance 0 of `full`, def_type = WB|enable) + END.
std::vector<std::uint8_t> mtrr_context(std::span<const std::uint8_t> full, unsigned vcpu);

}  // namespace hvmtool::xen
