#pragma once

#include <cstdint>

namespace hvmtool::bench {

// The floor hvmtool is measured against: the fewest KVM calls that run a
// guest to its poweroff port (open, create VM, irqchip, PIT, one memory
// slot of `memory` bytes, one vCPU, run). Returns false if KVM refused.
bool run_bare_kvm_guest(std::uint64_t memory);

}  // namespace hvmtool::bench
