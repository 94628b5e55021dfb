#include "kvm_cpuid.hpp"

namespace hvmtool::kvm {

std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> supported, unsigned vcpu_index) {
  for (auto& e : supported) {
    if (e.function == 1) {
      e.ebx = (e.ebx & 0x00FFFFFFu) | (vcpu_index << 24);  // initial APIC id
      e.ecx |= kCpuidHypervisorBit;
    } else if (e.function == 0xB || e.function == 0x1F) {
      e.edx = vcpu_index;  // x2APIC id
    }
  }
  return supported;
}

}  // namespace hvmtool::kvm
