#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "hvmtool/config.hpp"
#include "hvmtool/domain.hpp"
#include "hvmtool/log.hpp"
#include "hvmtool/params.hpp"
#include "hvmtool/store.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

struct DomainCreateInfo {
  std::string name;
  DomainType type = DomainType::hvm;
  std::array<std::uint8_t, 16> uuid{};
  unsigned max_vcpus = 1;
  std::uint64_t max_memory = 0;  // bytes
  ConsoleSink console;           // guest console bytes go here
};

struct DomainSummary {
  DomainId id = 0;
  std::string name;
  std::uint64_t memory = 0;
  unsigned vcpus = 0;
  std::string state;  // "running", "paused", "shutdown", ...
  int owner_pid = 0;  // the process holding the domain, where that matters (kvm)
};

// What a platform plugin is given when it is instantiated.
struct PlatformContext {
  boost::asio::io_context& io;
  Logger& log;
  const PluginParams& params;
};

// What a platform gives its guests beyond RAM and vCPUs. Builders ask this
// rather than comparing platform names, so a vendor's platform gets the same
// guests as the one it resembles.
struct PlatformFeatures {
  // Guests find their xenstore and console rings through Xen's special pages
  // and HVM params (HVM_PARAM_STORE_PFN, _CONSOLE_PFN): a builder must place
  // them (hvmtool_common/xen_special_pages.hpp).
  bool xen_special_pages = false;
  // An IOAPIC and a PIT at the PC's usual places, which a guest without
  // firmware learns about from an MP table the builder writes.
  bool ioapic = false;
  // Classic (paravirtualised, non-HVM) PV domains, built by the platform's
  // own PV builder rather than by a direct kernel boot.
  bool pv_domains = false;
  // Local APICs at 0xFEE00000, vCPU n's with APIC id n × lapic_id_step (Xen
  // numbers them 0, 2, 4 …), which a guest without firmware learns about
  // from the MP table or ACPI MADT the builder writes.
  bool lapic = false;
  unsigned lapic_id_step = 1;
};

// A hypervisor: kvm (/dev/kvm) or xen (libxenctrl & co).
class HVMTOOL_API Platform {
 public:
  virtual ~Platform() = default;
  virtual std::string_view name() const = 0;
  // Nothing beyond RAM and vCPUs, unless the platform says so.
  virtual PlatformFeatures features() const { return {}; }

  // Throws PlatformError with one clear line if this platform cannot run here
  // (no /dev/kvm, not a Xen dom0). Called before any stage runs.
  virtual void check_available() = 0;

  virtual std::unique_ptr<Domain> create_domain(const DomainCreateInfo& info) = 0;

  // The store; never null once check_available() succeeded.
  virtual Store& store() = 0;

  // Domains known to the host (from any process), for `hvmtool list`.
  virtual std::vector<DomainSummary> list_domains() = 0;
  // Ends a domain by name or numeric id, for `hvmtool destroy`.
  virtual void destroy_domain(std::string_view name_or_id) = 0;
};

}  // namespace hvmtool
