#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "console_ring.hpp"
#include "hvmtool/platform.hpp"
#include "hvmtool_platforms/event_latch.hpp"
#include "xen_api.hpp"
#include "xen_store.hpp"

namespace hvmtool::xen {

// libxl's defaults for what xl does not ask for (Xen 4.17).
inline constexpr std::uint64_t kMaxmemSlackKib = 1024;  // LIBXL_MAXMEM_CONSTANT, added to setmaxmem
inline constexpr std::uint32_t kMaxEvtchnPort = 1023;   // b_info->event_channels default
inline constexpr std::uint64_t kTimerModeNoDelay = 1;   // HVMPTM_no_delay_for_missed_ticks
inline constexpr const char* kReleaseDomainToken = "hvmtool-xen";
inline constexpr const char* kTtyTokenPrefix = "hvmtool-tty-";  // + domid: watch on console/tty
inline constexpr std::size_t kPopulateBatch = 8192;             // extents per XENMEM_populate_physmap call
inline constexpr std::chrono::milliseconds kConsolePoll{100};   // console ring polling period

// libxl_get_required_shadow_memory: the HAP/shadow pool of an HVM/PVH domain, in KiB.
std::uint64_t required_paging_pool_kib(std::uint64_t max_memory_bytes, unsigned max_vcpus);

// xen_domctl_createdomain as libxl__domain_make fills it for `info`.
xen_domctl_createdomain create_config(const DomainCreateInfo& info);

// What the platform and its domains share (domains may outlive the platform object).
struct XenShared : std::enable_shared_from_this<XenShared> {
  XenShared(boost::asio::io_context& io_, Logger& log_, std::shared_ptr<XenApi> api_);
  ~XenShared();

  boost::asio::io_context& io;
  Logger& log;
  std::shared_ptr<XenApi> api;
  XenStore store;

  std::mutex mu;
  bool opened = false;
  std::map<DomainId, std::weak_ptr<platforms::EventLatch>> live;  // our domains' shutdown events
  struct Record {
    DomainType type = DomainType::hvm;
    std::uint32_t store_port = 0, console_port = 0;
    std::uint32_t store_domid = 0, console_domid = 0;
  };
  std::map<DomainId, Record> records;  // what introduce_domain needs of our domains
  std::unique_ptr<boost::asio::posix::stream_descriptor> watch;

  // A domain's xenconsoled pty (console/tty), read into its sink.
  struct TtyReader {
    ConsoleSink sink;
    std::unique_ptr<boost::asio::posix::stream_descriptor> fd;
    std::array<char, 4096> buf{};
  };
  std::map<DomainId, std::shared_ptr<TtyReader>> ttys;

  // Guest lines from the hypervisor's console ring, to the domains' sinks.
  std::map<DomainId, ConsoleSink> consoles;
  boost::asio::steady_timer console_timer;
  bool console_running = false, console_primed = false, console_disabled = false;
  std::uint32_t console_index = 0;
  ConsoleRouter console_router;

  void ensure_open();  // api->open(), then the @releaseDomain watch
  void stop_watch() noexcept;
  void arm();
  void on_watch();
  // Looks at every live domain of ours and delivers the shutdowns (on the io_context).
  void poll_domains();
  std::optional<DomInfo> info(DomainId id);
  void forget(DomainId id);
  void add_console(DomainId id, ConsoleSink sink);
  void read_console(bool deliver);  // drains the ring from console_index
  void arm_console_locked();
  void watch_tty(DomainId id, ConsoleSink sink);
  void open_tty(DomainId id);
  void read_tty(const std::shared_ptr<TtyReader>& r);
  // XenStore's PrepareIntroduce: our port when none is given; for HVM/PVH
  // domains (not built by xc_dom) the grant entries xc_dom_gnttab_init seeds.
  std::uint32_t prepare_introduce(DomainId id, std::uint64_t store_mfn, std::uint32_t port);
};

class XenPlatform final : public Platform {
 public:
  XenPlatform(boost::asio::io_context& io, Logger& log, std::shared_ptr<XenApi> api);
  ~XenPlatform() override;

  std::string_view name() const override { return "xen"; }
  PlatformFeatures features() const override {
    return {.xen_special_pages = true, .pv_domains = true, .lapic = true, .lapic_id_step = 2};
  }
  void check_available() override;
  std::unique_ptr<Domain> create_domain(const DomainCreateInfo& info) override;
  Store& store() override { return shared_->store; }
  std::vector<DomainSummary> list_domains() override;
  void destroy_domain(std::string_view name_or_id) override;

  XenStore& xen_store() { return shared_->store; }
  const std::shared_ptr<XenShared>& shared() const { return shared_; }

 private:
  std::shared_ptr<XenShared> shared_;
};

class XenDomain final : public Domain {
 public:
  XenDomain(std::shared_ptr<XenShared> shared, DomainId id, const DomainCreateInfo& info);
  ~XenDomain() override;

  // The rest of create_domain: event channels, per-type settings, store ports.
  void init();

  DomainId id() const override { return id_; }
  const std::string& name() const override { return name_; }
  void set_max_vcpus(unsigned count) override;
  void set_max_memory(std::uint64_t bytes) override;
  std::size_t populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned extent_order) override;
  PopulateStats populate_stats() const override;
  GuestMapping map(std::uint64_t gpa, std::size_t len) override;
  void set_hvm_param(std::uint32_t index, std::uint64_t value) override;
  std::uint64_t hvm_param(std::uint32_t index) const override;
  void set_vcpu_context(unsigned vcpu, const VcpuContext& context) override;
  void pause() override;
  void unpause() override;
  void destroy() noexcept override;
  void set_event_handler(DomainEventHandler handler) override;

  // Beyond the interface.
  DomainType type() const { return type_; }
  const std::string& uuid() const { return uuid_; }
  std::uint32_t store_port() const { return store_port_; }
  std::uint32_t console_port() const { return console_port_; }
  // xc_domain_set_pod_target: with `target` below the populated size the
  // rest is populate-on-demand (libxl does this when memory < maxmem).
  void set_memory_target(std::uint64_t target_bytes);

 private:
  [[noreturn]] void fail(const std::string& what, int err) const;
  ConsoleSink console_;
  std::shared_ptr<XenShared> shared_;
  XenApi& api_;
  DomainId id_;
  std::string name_;
  DomainType type_;
  std::string uuid_;
  std::uint64_t max_memory_;
  unsigned max_vcpus_;
  std::uint32_t store_port_ = 0, console_port_ = 0;
  std::uint32_t store_domid_ = 0, console_domid_ = 0;
  std::shared_ptr<platforms::EventLatch> events_;  // shared with XenShared::live
  std::atomic<bool> destroyed_{false};
  mutable std::mutex mu_;
  PopulateStats stats_;
};

}  // namespace hvmtool::xen
