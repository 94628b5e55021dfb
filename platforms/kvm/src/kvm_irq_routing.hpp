#pragma once

// The interrupt wiring of a PC, given to KVM's in-kernel irqchip: ISA IRQ n
// on PIC pin n and IOAPIC pin n, except the PIT's IRQ 0, which is on IOAPIC
// pin 2 (IRQ 2 is the PICs' cascade and has no IOAPIC pin of its own). QEMU
// and Xen wire it so, and every MP table and MADT that describes a PC says
// so (hvmloader's, build_pv's, SeaBIOS's). KVM's default routing puts IRQ 0
// on IOAPIC pin 0 instead; Linux then finds no timer on the pin its tables
// name and falls back to the PIC through LAPIC LINT0 ("MP-BIOS bug: 8254
// timer not connected to IO-APIC"), where a tick is lost if it lands while
// the APIC is set up.

namespace hvmtool::kvm {

inline constexpr unsigned kIoapicPins = 24;
inline constexpr unsigned kPitIoapicPin = 2;

// KVM_SET_GSI_ROUTING on a VM with an in-kernel irqchip: GSI n is ISA IRQ n
// (n < 16) and IOAPIC pin n otherwise, as KVM_IRQ_LINE numbers them.
void set_pc_irq_routing(int vm_fd);

}  // namespace hvmtool::kvm
