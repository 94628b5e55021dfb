#pragma once

// The ACPI tables a PVH guest finds through hvm_start_info.rsdp_paddr (the
// PVH boot ABI's way to describe the machine), on a platform whose guests
// have local APICs but no IOAPIC or PIT: Xen's PVH domains. libxl gives
// such guests ACPI tables too. Without a MADT Linux sees no processors
// ("Boot CPU not listed by BIOS"), runs uniprocessor with SMP disabled, and
// on Xen never installs its per-CPU clock event (Xen's singleshot timer): the
// guest boots, but every sleep in it sleeps for ever.
//
// What is written: RSDP (ACPI 2.0+) → XSDT → FADT with the hardware-reduced
// flag (no SCI, PM timer or fixed hardware, which such a guest does not
// have) → an empty DSDT, and the MADT: one Processor Local APIC entry per
// vCPU up to max_vcpus, those beyond `vcpus` not enabled.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hvmtool::build_pv {

// In the BIOS area (populated by build_pv, left out of the E820), below
// the MP table's place so that a platform could have both.
inline constexpr std::uint64_t kAcpiAddr = 0xE0000;
inline constexpr std::uint64_t kAcpiMaxBytes = 0x10000;

struct AcpiShape {
  unsigned vcpus = 1;
  unsigned max_vcpus = 1;
  unsigned lapic_id_step = 1;  // vCPU n's local APIC id is n × this
};

// The tables as placed at kAcpiAddr, the RSDP first.
std::vector<std::byte> make_acpi_tables(const AcpiShape& shape);

}  // namespace hvmtool::build_pv
