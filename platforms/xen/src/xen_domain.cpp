#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "hvm_context.hpp"
#include "hvmtool/error.hpp"
#include "xen_platform.hpp"

namespace hvmtool::xen {
namespace {

std::string uuid_text(const std::array<std::uint8_t, 16>& u) {
  char buf[37];
  std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
  return buf;
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::uint32_t domid_from_store(XenStore& store, const char* path) {
  auto v = store.read(path);
  if (!v || v->empty()) return 0;
  return static_cast<std::uint32_t>(std::strtoul(v->c_str(), nullptr, 10));
}

}  // namespace

XenDomain::XenDomain(std::shared_ptr<XenShared> shared, DomainId id, const DomainCreateInfo& info)
    : console_(info.console),
      shared_(std::move(shared)),
      api_(*shared_->api),
      id_(id),
      name_(info.name),
      type_(info.type),
      uuid_(uuid_text(info.uuid)),
      max_memory_(info.max_memory),
      max_vcpus_(info.max_vcpus),
      events_(std::make_shared<platforms::EventLatch>(shared_->io)) {
  std::lock_guard lock(shared_->mu);
  shared_->live[id_] = events_;
}

XenDomain::~XenDomain() { destroy(); }

void XenDomain::fail(const std::string& what, int err) const {
  throw PlatformError("xen: domain " + std::to_string(id_) + " ('" + name_ + "'): " + what + ": " + std::strerror(err));
}

void XenDomain::init() {
  // libxl__build_pre: the back ends' domains, then one unbound port each.
  store_domid_ = domid_from_store(shared_->store, "/tool/xenstored/domid");
  console_domid_ = domid_from_store(shared_->store, "/tool/xenconsoled/domid");
  const int sp = api_.evtchn_alloc_unbound(id_, store_domid_);
  if (sp < 0) fail("xc_evtchn_alloc_unbound (store)", errno);
  store_port_ = static_cast<std::uint32_t>(sp);
  const int cp = api_.evtchn_alloc_unbound(id_, console_domid_);
  if (cp < 0) fail("xc_evtchn_alloc_unbound (console)", errno);
  console_port_ = static_cast<std::uint32_t>(cp);
  {
    std::lock_guard lock(shared_->mu);
    shared_->records[id_] = XenShared::Record{type_, store_port_, console_port_, store_domid_, console_domid_};
  }

  // libxl__arch_domain_create.
  if (type_ != DomainType::pv) {
    if (type_ == DomainType::hvm) {
      if (api_.hvm_param_set(id_, HVM_PARAM_HPET_ENABLED, 1) < 0) fail("HVM_PARAM_HPET_ENABLED", errno);
      if (api_.hvm_param_set(id_, HVM_PARAM_VPT_ALIGN, 1) < 0) fail("HVM_PARAM_VPT_ALIGN", errno);
    }
    if (api_.hvm_param_set(id_, HVM_PARAM_TIMER_MODE, kTimerModeNoDelay) < 0) fail("HVM_PARAM_TIMER_MODE", errno);
    if (api_.hvm_param_set(id_, HVM_PARAM_ALTP2M, 0) < 0) fail("HVM_PARAM_ALTP2M", errno);
    // What xc_dom's bootlate_hvm sets: the ports the guest finds its console and store on.
    if (api_.hvm_param_set(id_, HVM_PARAM_CONSOLE_EVTCHN, console_port_) < 0) fail("HVM_PARAM_CONSOLE_EVTCHN", errno);
    if (api_.hvm_param_set(id_, HVM_PARAM_STORE_EVTCHN, store_port_) < 0) fail("HVM_PARAM_STORE_EVTCHN", errno);
  } else {
    if (api_.domain_set_memmap_limit(id_, max_memory_ >> 10) < 0) fail("xc_domain_set_memmap_limit", errno);
  }
  if (api_.domain_set_tsc_info(id_, 0) < 0) fail("xc_domain_set_tsc_info", errno);
  if (type_ != DomainType::pv) {
    const std::uint64_t pool = required_paging_pool_kib(max_memory_, max_vcpus_) << 10;
    if (api_.set_paging_mempool_size(id_, pool) < 0) fail("xc_set_paging_mempool_size", errno);
  }

  // The ports go where build_post and xenconsoled look for them; the
  // directories are dom0's and readable by the guest, as libxl__domain_make
  // makes /local/domain/N.
  const std::string dom = "/local/domain/" + std::to_string(id_);
  const std::vector<StorePermission> ro{{0, 'n'}, {id_, 'r'}};
  shared_->store.transact([&](StoreTransaction& t) {
    t.write(dom, "");
    t.set_permissions(dom, ro);
    t.write(dom + "/store", "");
    t.set_permissions(dom + "/store", ro);
    t.write(dom + "/store/port", std::to_string(store_port_));
    t.write(dom + "/console", "");
    t.set_permissions(dom + "/console", ro);
    t.write(dom + "/console/port", std::to_string(console_port_));
  });

  // Console: guest lines of the hypervisor's ring (HVM port 0xE9), and
  // xenconsoled's pty once it attaches (the PV console).
  shared_->add_console(id_, console_);
  shared_->watch_tty(id_, console_);
}

void XenDomain::set_max_vcpus(unsigned count) {
  if (api_.domain_max_vcpus(id_, count) < 0) fail("xc_domain_max_vcpus " + std::to_string(count), errno);
  std::lock_guard lock(mu_);
  max_vcpus_ = count;
}

void XenDomain::set_max_memory(std::uint64_t bytes) {
  const std::uint64_t kib = ((bytes + 1023) >> 10) + kMaxmemSlackKib;
  if (api_.domain_setmaxmem(id_, kib) < 0) fail("xc_domain_setmaxmem " + std::to_string(kib) + " KiB", errno);
  std::lock_guard lock(mu_);
  max_memory_ = bytes;
}

void XenDomain::set_memory_target(std::uint64_t target_bytes) {
  if (target_bytes >= max_memory_) return;  // nothing on demand
  if (api_.domain_set_pod_target(id_, target_bytes >> 12) < 0)
    fail("xc_domain_set_pod_target " + std::to_string(target_bytes >> 12) + " pages", errno);
}

std::size_t XenDomain::populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned extent_order) {
  std::size_t done = 0;
  std::vector<xen_pfn_t> pfns;
  while (done < nr_extents) {
    const std::size_t n = std::min(nr_extents - done, kPopulateBatch);
    pfns.resize(n);
    for (std::size_t i = 0; i < n; ++i) pfns[i] = first_gpfn + (static_cast<std::uint64_t>(done + i) << extent_order);
    errno = 0;
    const int rc = api_.domain_populate_physmap(id_, n, extent_order, 0, pfns.data());
    const int err = errno;
    const std::size_t got = rc > 0 ? static_cast<std::size_t>(rc) : 0;
    {
      std::lock_guard lock(mu_);
      if (extent_order == 18)
        stats_.extents_1g += got;
      else if (extent_order == 9)
        stats_.extents_2m += got;
      else
        stats_.pages_4k += static_cast<std::uint64_t>(got) << extent_order;
    }
    done += got;
    if (got < n) {
      if (extent_order != 0) return done;  // the caller falls back to a smaller order
      fail("populate_physmap of " + std::to_string(nr_extents) + " pages at gpfn " + hex(first_gpfn) + ": only " +
               std::to_string(done) + " populated",
           rc < 0 && err ? err : ENOMEM);
    }
  }
  return done;
}

PopulateStats XenDomain::populate_stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

GuestMapping XenDomain::map(std::uint64_t gpa, std::size_t len) {
  if (len == 0) return GuestMapping({}, gpa);
  const std::uint64_t first = gpa >> 12, last = (gpa + len - 1) >> 12;
  const std::size_t pages = static_cast<std::size_t>(last - first + 1);
  std::vector<xen_pfn_t> pfns(pages);
  std::vector<int> errs(pages, 0);
  for (std::size_t i = 0; i < pages; ++i) pfns[i] = first + i;
  void* base = api_.foreignmemory_map(id_, PROT_READ | PROT_WRITE, pages, pfns.data(), errs.data());
  if (!base) fail("xenforeignmemory_map of " + std::to_string(pages) + " pages at " + hex(first << 12), errno);
  for (std::size_t i = 0; i < pages; ++i) {
    if (errs[i] != 0) {
      api_.foreignmemory_unmap(base, pages);
      fail("xenforeignmemory_map: gpfn " + hex(first + i) + " is not populated RAM of this domain",
           errs[i] < 0 ? -errs[i] : errs[i]);
    }
  }
  auto* bytes = static_cast<std::byte*>(base) + (gpa & 0xfff);
  return GuestMapping(std::span<std::byte>(bytes, len), gpa,
                      [shared = shared_, base, pages] { shared->api->foreignmemory_unmap(base, pages); });
}

// A PV domain has no HVM params, and nothing hvmtool builds needs them for
// one (build_xen_pv hands build_post its frames in the BuildState): asking
// is a builder's mistake, refused rather than kept where Xen never sees it.
void XenDomain::set_hvm_param(std::uint32_t index, std::uint64_t value) {
  if (type_ == DomainType::pv) fail("HVM param " + std::to_string(index) + " on a PV domain", EINVAL);
  if (api_.hvm_param_set(id_, index, value) < 0) fail("xc_hvm_param_set " + std::to_string(index), errno);
}

std::uint64_t XenDomain::hvm_param(std::uint32_t index) const {
  if (type_ == DomainType::pv) fail("HVM param " + std::to_string(index) + " on a PV domain", EINVAL);
  std::uint64_t v = 0;
  if (api_.hvm_param_get(id_, index, &v) < 0) fail("xc_hvm_param_get " + std::to_string(index), errno);
  return v;
}

void XenDomain::set_vcpu_context(unsigned vcpu, const VcpuContext& context) {
  if (type_ == DomainType::pv)
    throw PlatformError("xen: domain " + std::to_string(id_) +
                        ": a PV domain's vCPU context is set by the xc_dom builder (build_xen_pv)");
  if (vcpu != 0)
    throw PlatformError("xen: domain " + std::to_string(id_) + ": only vCPU 0 is started by the toolstack (vcpu " +
                        std::to_string(vcpu) + " asked)");
  // vcpu_hvm(): the full context for its header (and MTRR record), then the partial loads.
  const int size = api_.domain_hvm_getcontext(id_, nullptr, 0);
  if (size <= 0) fail("xc_domain_hvm_getcontext (size)", size < 0 ? errno : EINVAL);
  std::vector<std::uint8_t> full(static_cast<std::size_t>(size));
  const int got = api_.domain_hvm_getcontext(id_, full.data(), static_cast<std::uint32_t>(full.size()));
  if (got <= 0) fail("xc_domain_hvm_getcontext", got < 0 ? errno : EINVAL);
  full.resize(std::min(full.size(), static_cast<std::size_t>(got)));

  std::vector<std::uint8_t> bsp = bsp_context(full, context);
  if (type_ == DomainType::pvh) {
    // No device model: MTRRs enabled, write-back by default, on every vCPU.
    unsigned n;
    {
      std::lock_guard lock(mu_);
      n = max_vcpus_;
    }
    for (unsigned i = 0; i < n; ++i) {
      std::vector<std::uint8_t> m = mtrr_context(full, i);
      if (api_.domain_hvm_setcontext(id_, m.data(), static_cast<std::uint32_t>(m.size())) != 0)
        fail("xc_domain_hvm_setcontext (MTRR, vcpu " + std::to_string(i) + ")", errno);
    }
  }
  // The BSP last: each setcontext puts every vCPU down.
  if (api_.domain_hvm_setcontext(id_, bsp.data(), static_cast<std::uint32_t>(bsp.size())) != 0)
    fail("xc_domain_hvm_setcontext (CPU)", errno);
}

void XenDomain::pause() {
  if (api_.domain_pause(id_) < 0) fail("xc_domain_pause", errno);
}

void XenDomain::unpause() {
  if (api_.domain_unpause(id_) < 0) fail("xc_domain_unpause", errno);
}

void XenDomain::destroy() noexcept {
  if (destroyed_.exchange(true)) return;
  events_->close();
  shared_->forget(id_);
  try {
    errno = 0;
    if (api_.domain_destroy(id_) < 0 && errno != ESRCH)
      shared_->log.warn("xen: xc_domain_destroy " + std::to_string(id_) + ": " + std::strerror(errno));
  } catch (const std::exception& e) {
    shared_->log.warn(std::string("xen: destroying domain ") + std::to_string(id_) + ": " + e.what());
  }
  // Every store path the domain got (libxl__destroy_domid: dom path, vm path).
  for (const std::string& path : {"/local/domain/" + std::to_string(id_), "/vm/" + uuid_}) {
    try {
      shared_->store.remove(path);
    } catch (const std::exception& e) {
      shared_->log.warn(std::string("xen: removing ") + path + ": " + e.what());
    }
  }
}

void XenDomain::set_event_handler(DomainEventHandler handler) { events_->set_handler(std::move(handler)); }

}  // namespace hvmtool::xen
