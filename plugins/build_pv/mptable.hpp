#pragma once

// The MP table (Intel MultiProcessor Specification 1.4) of a direct-boot
// guest on the kvm platform, as Firecracker writes one: without it (and
// without an ACPI MADT) Linux finds no IOAPIC, routes the PIT through the PIC
// to LAPIC LINT0 and masks that during APIC setup, and a tick landing in that
// window is lost (calibrate_delay then waits forever). With it, Linux drives
// the timer through the IOAPIC.
//
// What it describes is the kvm platform's in-kernel irqchip, wired as a PC
// (platforms/kvm/src/kvm_irq_routing.hpp): LAPICs at 0xFEE00000 (APIC id =
// vCPU index, as the platform's CPUID says), one IOAPIC at 0xFEC00000 with 24
// pins, ISA IRQ n on IOAPIC pin n except the PIT's IRQ 0 on pin 2 (IRQ 2 is
// the PICs' cascade), the PIC as ExtINT on LINT0, NMI on LINT1. It is what
// SeaBIOS writes for QEMU's pc machine.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hvmtool::build_pv {

// In the BIOS area Linux scans for the floating pointer (0xF0000-0xFFFFF),
// which build_pv populates and the E820 leaves out.
inline constexpr std::uint64_t kMpTableAddr = 0xF0000;
inline constexpr std::uint32_t kLapicAddr = 0xFEE00000, kIoapicAddr = 0xFEC00000;
inline constexpr unsigned kIsaIrqs = 16;
inline constexpr std::uint8_t kCascadeIrq = 2, kPitIoapicPin = 2;

// The floating pointer at kMpTableAddr followed by the configuration table.
// vcpus are enabled processors, the rest up to max_vcpus listed disabled.
std::vector<std::byte> make_mp_table(unsigned vcpus, unsigned max_vcpus);

}  // namespace hvmtool::build_pv
