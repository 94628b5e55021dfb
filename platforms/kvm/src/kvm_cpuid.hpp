#pragma once

// What a kvm guest's vCPU reports in CPUID: what KVM supports
// (KVM_GET_SUPPORTED_CPUID), with this vCPU's APIC id, and the
// hypervisor-present bit CPUID.1:ECX[31], which KVM leaves to the VMM
// (QEMU, Firecracker and Xen set it). Without that bit Linux never reads
// KVM's leaves 0x40000000 ("KVMKVMKVM\0\0\0") and 0x40000001 (kvmclock, PV
// EOI, steal time, ...): it says "Booting paravirtualized kernel on bare
// hardware" and keeps jiffies for a clock. KVM's supported list carries
// those two leaves with the features its in-kernel side implements; they
// pass through unchanged.

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace hvmtool::kvm {

inline constexpr std::uint32_t kCpuidHypervisorBit = 1u << 31;  // CPUID.1:ECX

std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> supported, unsigned vcpu_index);

}  // namespace hvmtool::kvm
