#include "kvm_irq_routing.hpp"

#include <linux/kvm.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "kvm_host.hpp"

namespace hvmtool::kvm {
namespace {

// As with kvm_cpuid2 (kvm_host.hpp): in C++, linux-libc-dev 6.1's
// kvm_irq_routing is 16 bytes, not the kernel's 8 ({nr, flags}, then the
// entries), and KVM_SET_GSI_ROUTING encodes that wrong size (ENOTTY). The C
// layout is spelt out.
constexpr std::size_t kIrqRoutingHeaderSize = 8;
constexpr unsigned long kIoctlSetGsiRouting = _IOC(_IOC_WRITE, KVMIO, 0x6a, kIrqRoutingHeaderSize);
static_assert(sizeof(kvm_irq_routing_entry) == 48);

}  // namespace

void set_pc_irq_routing(int vm_fd) {
  std::vector<kvm_irq_routing_entry> entries;
  auto route = [&](unsigned gsi, unsigned chip, unsigned pin) {
    kvm_irq_routing_entry e{};
    e.gsi = gsi;
    e.type = KVM_IRQ_ROUTING_IRQCHIP;
    e.u.irqchip.irqchip = chip;
    e.u.irqchip.pin = pin;
    entries.push_back(e);
  };
  for (unsigned irq = 0; irq < 16; ++irq)
    if (irq != 2) route(irq, irq < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, irq % 8);
  route(0, KVM_IRQCHIP_IOAPIC, kPitIoapicPin);
  for (unsigned gsi = 1; gsi < kIoapicPins; ++gsi)
    if (gsi != kPitIoapicPin) route(gsi, KVM_IRQCHIP_IOAPIC, gsi);

  std::vector<std::byte> buf(kIrqRoutingHeaderSize + entries.size() * sizeof(kvm_irq_routing_entry));
  const auto nr = static_cast<std::uint32_t>(entries.size());  // then flags = 0
  std::memcpy(buf.data(), &nr, sizeof nr);
  std::memcpy(buf.data() + kIrqRoutingHeaderSize, entries.data(), entries.size() * sizeof(kvm_irq_routing_entry));
  if (xioctl(vm_fd, kIoctlSetGsiRouting, buf.data()) < 0) throw_errno("KVM_SET_GSI_ROUTING");
}

}  // namespace hvmtool::kvm
