#include "acpi_tables.hpp"

#include <cstring>
#include <string>

#include <hvmtool/error.hpp>

#include "mptable.hpp"

namespace hvmtool::build_pv {
namespace {

// Layouts from the ACPI specification 6.4, chapter 5.2.
struct [[gnu::packed]] Rsdp {
  char signature[8];      // "RSD PTR "
  std::uint8_t checksum;  // of the first 20 bytes
  char oem_id[6];
  std::uint8_t revision;  // 2: ACPI 2.0 and later, with the XSDT
  std::uint32_t rsdt;
  std::uint32_t length;
  std::uint64_t xsdt;
  std::uint8_t extended_checksum;  // of all 36 bytes
  std::uint8_t reserved[3];
};

struct [[gnu::packed]] Header {
  char signature[4];
  std::uint32_t length;
  std::uint8_t revision;
  std::uint8_t checksum;
  char oem_id[6];
  char oem_table_id[8];
  std::uint32_t oem_revision;
  char creator_id[4];
  std::uint32_t creator_revision;
};

struct [[gnu::packed]] MadtLapic {
  std::uint8_t type;    // 0: processor local APIC
  std::uint8_t length;  // 8
  std::uint8_t processor_uid;
  std::uint8_t apic_id;
  std::uint32_t flags;  // bit 0 enabled
};

static_assert(sizeof(Rsdp) == 36 && sizeof(Header) == 36 && sizeof(MadtLapic) == 8);

// The FADT of ACPI 6.x is 276 bytes; only these fields are non-zero.
constexpr std::size_t kFadtLength = 276;
constexpr std::size_t kFadtDsdt = 40, kFadtBootArch = 109, kFadtFlags = 112, kFadtMinorVersion = 131, kFadtXDsdt = 140;
constexpr std::uint32_t kFadtHwReducedAcpi = 1u << 20;
// IA-PC boot architecture flags: no VGA, no CMOS RTC (and, by leaving bit 1
// clear, no 8042): nothing for Linux to probe for.
constexpr std::uint16_t kFadtNoVga = 1u << 2, kFadtNoCmosRtc = 1u << 5;
constexpr std::uint8_t kFadtRevision = 6, kFadtMinor = 4;

constexpr std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

std::uint8_t checksum(const std::byte* p, std::size_t n) {
  std::uint8_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum = static_cast<std::uint8_t>(sum + static_cast<std::uint8_t>(p[i]));
  return static_cast<std::uint8_t>(-sum);
}

Header header(const char (&signature)[5], std::size_t length, std::uint8_t revision) {
  Header h{};
  std::memcpy(h.signature, signature, 4);
  h.length = static_cast<std::uint32_t>(length);
  h.revision = revision;
  std::memcpy(h.oem_id, "HVMTL ", 6);
  std::memcpy(h.oem_table_id, "HVMTOOL ", 8);
  h.oem_revision = 1;
  std::memcpy(h.creator_id, "HVMT", 4);
  h.creator_revision = 1;
  return h;
}

// Appends a table (header + body, padded to 8) and returns its offset.
std::size_t add_table(std::vector<std::byte>& out, Header h, const std::vector<std::byte>& body) {
  const std::size_t at = out.size();
  out.resize(align8(at + h.length));
  std::memcpy(out.data() + at, &h, sizeof h);
  if (!body.empty()) std::memcpy(out.data() + at + sizeof h, body.data(), body.size());  // a DSDT has none
  out[at + offsetof(Header, checksum)] = std::byte{checksum(out.data() + at, h.length)};
  return at;
}

template <typename T>
void put(std::vector<std::byte>& v, std::size_t off, T value) {
  std::memcpy(v.data() + off, &value, sizeof value);
}

}  // namespace

std::vector<std::byte> make_acpi_tables(const AcpiShape& shape) {
  const unsigned step = shape.lapic_id_step;
  if (shape.vcpus == 0 || shape.max_vcpus < shape.vcpus || step == 0 ||
      (shape.max_vcpus - 1) * static_cast<unsigned long>(step) > 254)
    throw Error("build_pv: a MADT lists local APIC ids up to 254, not " + std::to_string(shape.vcpus) + " of " +
                std::to_string(shape.max_vcpus) + " vCPUs numbered in steps of " + std::to_string(step));

  std::vector<std::byte> out(align8(sizeof(Rsdp)));
  auto gpa = [](std::size_t offset) { return kAcpiAddr + offset; };

  const std::size_t dsdt = add_table(out, header("DSDT", sizeof(Header), 2), {});

  std::vector<std::byte> fadt(kFadtLength - sizeof(Header));
  put<std::uint32_t>(fadt, kFadtDsdt - sizeof(Header), static_cast<std::uint32_t>(gpa(dsdt)));
  put<std::uint16_t>(fadt, kFadtBootArch - sizeof(Header), kFadtNoVga | kFadtNoCmosRtc);
  put<std::uint32_t>(fadt, kFadtFlags - sizeof(Header), kFadtHwReducedAcpi);
  put<std::uint8_t>(fadt, kFadtMinorVersion - sizeof(Header), kFadtMinor);
  put<std::uint64_t>(fadt, kFadtXDsdt - sizeof(Header), gpa(dsdt));
  const std::size_t facp = add_table(out, header("FACP", kFadtLength, kFadtRevision), fadt);

  std::vector<std::byte> madt(8);  // local APIC address, flags (no dual 8259s)
  put<std::uint32_t>(madt, 0, kLapicAddr);
  for (unsigned i = 0; i < shape.max_vcpus; ++i) {
    const MadtLapic e{0, 8, static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i * step),
                      i < shape.vcpus ? 1u : 0u};
    const auto* p = reinterpret_cast<const std::byte*>(&e);
    madt.insert(madt.end(), p, p + sizeof e);
  }
  const std::size_t apic = add_table(out, header("APIC", sizeof(Header) + madt.size(), 5), madt);

  std::vector<std::byte> xsdt(16);
  put<std::uint64_t>(xsdt, 0, gpa(facp));
  put<std::uint64_t>(xsdt, 8, gpa(apic));
  const std::size_t xsdt_at = add_table(out, header("XSDT", sizeof(Header) + xsdt.size(), 1), xsdt);
  if (out.size() > kAcpiMaxBytes) throw Error("build_pv: the ACPI tables outgrew their 64 KiB");

  Rsdp r{};
  std::memcpy(r.signature, "RSD PTR ", 8);
  std::memcpy(r.oem_id, "HVMTL ", 6);
  r.revision = 2;
  r.length = sizeof(Rsdp);
  r.xsdt = gpa(xsdt_at);
  std::memcpy(out.data(), &r, sizeof r);
  out[offsetof(Rsdp, checksum)] = std::byte{checksum(out.data(), 20)};
  out[offsetof(Rsdp, extended_checksum)] = std::byte{checksum(out.data(), sizeof r)};
  return out;
}

}  // namespace hvmtool::build_pv
