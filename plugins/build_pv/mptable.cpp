#include "mptable.hpp"

#include <cstring>

#include <hvmtool/error.hpp>

namespace hvmtool::build_pv {
namespace {

// Entry layouts from the MP specification 1.4, chapter 4.
struct [[gnu::packed]] FloatingPointer {
  char signature[4];  // "_MP_"
  std::uint32_t config_table;
  std::uint8_t length;  // in 16-byte units
  std::uint8_t spec_rev;
  std::uint8_t checksum;
  std::uint8_t feature[5];  // all 0: a configuration table is present; virtual wire mode (no IMCR)
};

struct [[gnu::packed]] ConfigHeader {
  char signature[4];  // "PCMP"
  std::uint16_t length;
  std::uint8_t spec_rev;
  std::uint8_t checksum;
  char oem_id[8];
  char product_id[12];
  std::uint32_t oem_table;
  std::uint16_t oem_table_size;
  std::uint16_t entry_count;
  std::uint32_t lapic_addr;
  std::uint16_t ext_length;
  std::uint8_t ext_checksum;
  std::uint8_t reserved;
};

struct [[gnu::packed]] Processor {
  std::uint8_t type;  // 0
  std::uint8_t apic_id;
  std::uint8_t apic_version;
  std::uint8_t flags;  // 1 enabled, 2 bootstrap processor
  std::uint32_t signature;
  std::uint32_t features;
  std::uint32_t reserved[2];
};

struct [[gnu::packed]] Bus {
  std::uint8_t type;  // 1
  std::uint8_t bus_id;
  char bus_type[6];
};

struct [[gnu::packed]] IoApic {
  std::uint8_t type;  // 2
  std::uint8_t apic_id;
  std::uint8_t apic_version;
  std::uint8_t flags;  // 1 usable
  std::uint32_t addr;
};

struct [[gnu::packed]] Interrupt {
  std::uint8_t type;      // 3 I/O interrupt, 4 local interrupt
  std::uint8_t irq_type;  // 0 INT, 1 NMI, 3 ExtINT
  std::uint16_t flags;    // 0: polarity and trigger as the bus defines them (ISA: high, edge)
  std::uint8_t source_bus;
  std::uint8_t source_irq;
  std::uint8_t dest_apic;  // 0xFF: every local APIC
  std::uint8_t dest_pin;
};

static_assert(sizeof(FloatingPointer) == 16 && sizeof(ConfigHeader) == 44 && sizeof(Processor) == 20 &&
              sizeof(Bus) == 8 && sizeof(IoApic) == 8 && sizeof(Interrupt) == 8);

constexpr std::uint8_t kLapicVersion = 0x14;    // what KVM's LAPIC version register reads
constexpr std::uint8_t kIoapicVersion = 0x11;   // KVM's IOAPIC: version 0x11, 24 pins
constexpr std::uint32_t kCpuSignature = 0x600;  // family 6, as Firecracker and QEMU report
constexpr std::uint32_t kCpuFeatures = 0x201;   // CPUID.1:EDX FPU | APIC
constexpr std::uint8_t kIsaBus = 0;

std::uint8_t checksum(const std::byte* p, std::size_t n) {
  std::uint8_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum = static_cast<std::uint8_t>(sum + static_cast<std::uint8_t>(p[i]));
  return static_cast<std::uint8_t>(-sum);
}

template <typename T>
void append(std::vector<std::byte>& out, const T& entry) {
  const auto* p = reinterpret_cast<const std::byte*>(&entry);
  out.insert(out.end(), p, p + sizeof entry);
}

}  // namespace

std::vector<std::byte> make_mp_table(unsigned vcpus, unsigned max_vcpus) {
  // APIC ids 0..max_vcpus-1, then the IOAPIC's; 0xFF means "every LAPIC".
  if (vcpus == 0 || max_vcpus < vcpus || max_vcpus > 254)
    throw Error("build_pv: an MP table lists 1 to 254 vCPUs, not " + std::to_string(vcpus) + " of " +
                std::to_string(max_vcpus));
  const auto ioapic_id = static_cast<std::uint8_t>(max_vcpus);

  std::vector<std::byte> out(sizeof(FloatingPointer) + sizeof(ConfigHeader));
  std::uint16_t entries = 0;
  for (unsigned i = 0; i < max_vcpus; ++i, ++entries) {
    Processor p{};
    p.apic_id = static_cast<std::uint8_t>(i);
    p.apic_version = kLapicVersion;
    p.flags = static_cast<std::uint8_t>((i < vcpus ? 1 : 0) | (i == 0 ? 2 : 0));
    p.signature = kCpuSignature;
    p.features = kCpuFeatures;
    append(out, p);
  }
  Bus bus{1, kIsaBus, {'I', 'S', 'A', ' ', ' ', ' '}};
  append(out, bus);
  ++entries;
  append(out, IoApic{2, ioapic_id, kIoapicVersion, 1, kIoapicAddr});
  ++entries;
  for (unsigned irq = 0; irq < kIsaIrqs; ++irq) {
    if (irq == kCascadeIrq) continue;
    const auto pin = static_cast<std::uint8_t>(irq == 0 ? kPitIoapicPin : irq);
    append(out, Interrupt{3, 0, 0, kIsaBus, static_cast<std::uint8_t>(irq), ioapic_id, pin});
    ++entries;
  }
  append(out, Interrupt{4, 3, 0, kIsaBus, 0, 0xFF, 0});  // ExtINT (the PIC) on LINT0
  append(out, Interrupt{4, 1, 0, kIsaBus, 0, 0xFF, 1});  // NMI on LINT1
  entries += 2;

  ConfigHeader h{};
  std::memcpy(h.signature, "PCMP", 4);
  h.length = static_cast<std::uint16_t>(out.size() - sizeof(FloatingPointer));
  h.spec_rev = 4;
  std::memcpy(h.oem_id, "HVMTOOL ", 8);
  std::memcpy(h.product_id, "KVM         ", 12);
  h.entry_count = entries;
  h.lapic_addr = kLapicAddr;
  std::memcpy(out.data() + sizeof(FloatingPointer), &h, sizeof h);
  out[sizeof(FloatingPointer) + offsetof(ConfigHeader, checksum)] =
      std::byte{checksum(out.data() + sizeof(FloatingPointer), h.length)};

  FloatingPointer f{};
  std::memcpy(f.signature, "_MP_", 4);
  f.config_table = static_cast<std::uint32_t>(kMpTableAddr + sizeof(FloatingPointer));
  f.length = 1;
  f.spec_rev = 4;
  std::memcpy(out.data(), &f, sizeof f);
  out[offsetof(FloatingPointer, checksum)] = std::byte{checksum(out.data(), sizeof f)};
  return out;
}

}  // namespace hvmtool::build_pv
