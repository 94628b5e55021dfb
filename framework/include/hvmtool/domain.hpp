#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>

#include "hvmtool/config.hpp"
#include "hvmtool/vcpu.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

using DomainId = std::uint32_t;

inline constexpr std::uint64_t kPageShift = 12;
inline constexpr std::uint64_t kPageSize = 1ull << kPageShift;

// Why a domain stopped running (Xen's SHUTDOWN_poweroff/reboot/crash).
enum class ShutdownReason { poweroff, reboot, crash };

HVMTOOL_API std::string_view to_string(ShutdownReason r);

struct DomainEvent {
  enum class Kind { shutdown };
  Kind kind = Kind::shutdown;
  ShutdownReason reason = ShutdownReason::poweroff;
  std::string detail;  // e.g. "triple fault", "port 0x604 SLP_EN"
};

// Called on the io_context the platform was created with, never on a vCPU thread.
using DomainEventHandler = std::function<void(const DomainEvent&)>;

enum class ConsoleChannel {
  debug,           // port 0xE9 (Xen's HVM debug port, hvmloader's console)
  firmware_debug,  // port 0x402 (SeaBIOS's debug port)
  serial,          // the first UART (ttyS0)
  hypervisor,      // the hypervisor's own console lines about this guest
};

HVMTOOL_API std::string_view to_string(ConsoleChannel c);

// Receives guest console bytes. May be called from any thread (vCPU threads);
// the callee serialises.
using ConsoleSink = std::function<void(ConsoleChannel, std::string_view)>;

// A host view of guest-physical memory. On kvm it aliases the domain's RAM and
// needs no release; on xen it is a foreign mapping unmapped when this dies.
class GuestMapping {
 public:
  GuestMapping() = default;
  GuestMapping(std::span<std::byte> bytes, std::uint64_t gpa, std::function<void()> release = {})
      : bytes_(bytes), gpa_(gpa), release_(std::move(release)) {}
  GuestMapping(GuestMapping&& o) noexcept
      : bytes_(std::exchange(o.bytes_, {})), gpa_(o.gpa_), release_(std::exchange(o.release_, {})) {}
  GuestMapping& operator=(GuestMapping&& o) noexcept {
    if (this != &o) {
      reset();
      bytes_ = std::exchange(o.bytes_, {});
      gpa_ = o.gpa_;
      release_ = std::exchange(o.release_, {});
    }
    return *this;
  }
  GuestMapping(const GuestMapping&) = delete;
  GuestMapping& operator=(const GuestMapping&) = delete;
  ~GuestMapping() { reset(); }

  std::span<std::byte> bytes() const { return bytes_; }
  std::byte* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  std::uint64_t gpa() const { return gpa_; }

 private:
  void reset() {
    if (release_) std::exchange(release_, {})();
    bytes_ = {};
  }
  std::span<std::byte> bytes_;
  std::uint64_t gpa_ = 0;
  std::function<void()> release_;
};

// How much of a populate request a platform satisfied with which page size.
struct PopulateStats {
  std::uint64_t extents_1g = 0;
  std::uint64_t extents_2m = 0;
  std::uint64_t pages_4k = 0;
};

// A created domain. RAII: destroying a Domain object that still owns a live
// domain destroys it (a half-built domain never outlives its creator).
// Operations are named after their Xen counterparts.
class HVMTOOL_API Domain {
 public:
  virtual ~Domain() = default;

  virtual DomainId id() const = 0;
  virtual const std::string& name() const = 0;

  virtual void set_max_vcpus(unsigned count) = 0;
  virtual void set_max_memory(std::uint64_t bytes) = 0;

  // Populate `nr_extents` extents of 2^extent_order pages starting at
  // `first_gpfn` (contiguous). Like Xen's non-exact XENMEM_populate_physmap it
  // returns how many extents were populated (from the start); 0 means "this
  // order is not available now" and the caller falls back to a smaller order.
  // Order 0 either populates everything or throws PlatformError.
  virtual std::size_t populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned extent_order) = 0;
  virtual PopulateStats populate_stats() const = 0;

  // Host view of [gpa, gpa+len). Throws PlatformError unless every page of
  // the range is populated RAM of this domain.
  virtual GuestMapping map(std::uint64_t gpa, std::size_t len) = 0;

  virtual void set_hvm_param(std::uint32_t index, std::uint64_t value) = 0;
  virtual std::uint64_t hvm_param(std::uint32_t index) const = 0;

  virtual void set_vcpu_context(unsigned vcpu, const VcpuContext& context) = 0;

  virtual void pause() = 0;
  virtual void unpause() = 0;

  // Tears the domain down: vCPUs stopped, memory released, hypervisor objects
  // freed. Idempotent and never throws (it runs during rollback).
  virtual void destroy() noexcept = 0;

  // Shutdown events are posted to the platform's io_context. A guest can end
  // before anyone listens (a poweroff microseconds after unpause), so an event
  // that finds no handler is kept and posted as soon as a handler is set.
  // Setting an empty handler stops delivery.
  virtual void set_event_handler(DomainEventHandler handler) = 0;
};

}  // namespace hvmtool
