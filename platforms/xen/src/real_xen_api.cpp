#include "real_xen_api.hpp"

#include <sys/stat.h>

#include "xen_c.hpp"

extern "C" {
#include <xenforeignmemory.h>
#include <xenguest.h>
#include <xenstore.h>
}

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "hvmtool/error.hpp"

namespace hvmtool::xen {
namespace {

// Frees what libxenstore returns with malloc.
struct Free {
  void operator()(void* p) const { std::free(p); }
};

class RealXenApi final : public XenApi {
 public:
  ~RealXenApi() override {
    if (xs_) ::xs_close(xs_);
    if (fmem_) ::xenforeignmemory_close(fmem_);
    if (xch_) ::xc_interface_close(xch_);
  }

  void open() override {
    std::lock_guard lock(mu_);
    if (xch_ && fmem_ && xs_) return;
    // Checked first, so that libxenctrl never runs (and prints) where there is no Xen.
    struct stat st;
    if (::stat(kPrivcmdPath, &st) != 0)
      throw PlatformError(std::string("xen platform: ") + kPrivcmdPath + " not found: not running in a Xen dom0");
    if (!xch_ && !(xch_ = ::xc_interface_open(nullptr, nullptr, 0)))
      throw PlatformError(std::string("xen platform: xc_interface_open: ") + std::strerror(errno));
    if (!fmem_ && !(fmem_ = ::xenforeignmemory_open(nullptr, 0)))
      throw PlatformError(std::string("xen platform: xenforeignmemory_open: ") + std::strerror(errno));
    if (!xs_ && !(xs_ = ::xs_open(0)))
      throw PlatformError(std::string("xen platform: xs_open: ") + std::strerror(errno) + " (is xenstored running?)");
  }

  int domain_create(std::uint32_t* domid, xen_domctl_createdomain* config) override {
    return ::xc_domain_create(xch_, domid, config);
  }
  int domain_max_vcpus(std::uint32_t domid, unsigned max) override { return ::xc_domain_max_vcpus(xch_, domid, max); }
  int domain_setmaxmem(std::uint32_t domid, std::uint64_t max_kib) override {
    return ::xc_domain_setmaxmem(xch_, domid, max_kib);
  }
  int domain_set_memmap_limit(std::uint32_t domid, std::uint64_t kib) override {
    return ::xc_domain_set_memmap_limit(xch_, domid, static_cast<unsigned long>(kib));
  }
  int domain_set_tsc_info(std::uint32_t domid, std::uint32_t tsc_mode) override {
    return ::xc_domain_set_tsc_info(xch_, domid, tsc_mode, 0, 0, 0);
  }
  int set_paging_mempool_size(std::uint32_t domid, std::uint64_t bytes) override {
    return ::xc_set_paging_mempool_size(xch_, domid, bytes);
  }
  int domain_populate_physmap(std::uint32_t domid, unsigned long nr, unsigned order, unsigned flags,
                              xen_pfn_t* extents) override {
    return ::xc_domain_populate_physmap(xch_, domid, nr, order, flags, extents);
  }
  int domain_set_pod_target(std::uint32_t domid, std::uint64_t target_pages) override {
    return ::xc_domain_set_pod_target(xch_, domid, target_pages, nullptr, nullptr, nullptr);
  }
  int hvm_param_set(std::uint32_t domid, std::uint32_t param, std::uint64_t value) override {
    return ::xc_hvm_param_set(xch_, domid, param, value);
  }
  int hvm_param_get(std::uint32_t domid, std::uint32_t param, std::uint64_t* value) override {
    return ::xc_hvm_param_get(xch_, domid, param, value);
  }
  int domain_hvm_getcontext(std::uint32_t domid, std::uint8_t* buf, std::uint32_t size) override {
    return ::xc_domain_hvm_getcontext(xch_, domid, buf, size);
  }
  int domain_hvm_setcontext(std::uint32_t domid, std::uint8_t* buf, std::uint32_t size) override {
    return ::xc_domain_hvm_setcontext(xch_, domid, buf, size);
  }
  int domain_pause(std::uint32_t domid) override { return ::xc_domain_pause(xch_, domid); }
  int domain_unpause(std::uint32_t domid) override { return ::xc_domain_unpause(xch_, domid); }
  int domain_destroy(std::uint32_t domid) override { return ::xc_domain_destroy(xch_, domid); }
  int domain_getinfolist(std::uint32_t first, unsigned max, std::vector<DomInfo>& out) override {
    std::vector<xc_domaininfo_t> raw(max);
    const int n = ::xc_domain_getinfolist(xch_, first, max, raw.data());
    if (n < 0) return n;
    out.clear();
    for (int i = 0; i < n; ++i) {
      DomInfo d;
      d.domid = raw[i].domain;
      d.flags = raw[i].flags;
      d.tot_pages = raw[i].tot_pages;
      d.max_pages = raw[i].max_pages;
      d.nr_online_vcpus = raw[i].nr_online_vcpus;
      std::memcpy(d.handle.data(), raw[i].handle, d.handle.size());
      out.push_back(d);
    }
    return n;
  }
  int evtchn_alloc_unbound(std::uint32_t domid, std::uint32_t remote) override {
    return ::xc_evtchn_alloc_unbound(xch_, domid, remote);
  }

  int readconsolering(char* buf, unsigned* nr_chars, std::uint32_t* index) override {
    return ::xc_readconsolering(xch_, buf, nr_chars, 0, 1, index);
  }

  void* foreignmemory_map(std::uint32_t domid, int prot, std::size_t pages, const xen_pfn_t* arr, int* err) override {
    return ::xenforeignmemory_map(fmem_, domid, prot, pages, arr, err);
  }
  int foreignmemory_unmap(void* addr, std::size_t pages) override {
    return ::xenforeignmemory_unmap(fmem_, addr, pages);
  }

  std::uint32_t xs_transaction_start() override { return ::xs_transaction_start(xs_); }
  bool xs_transaction_end(std::uint32_t t, bool abort) override { return ::xs_transaction_end(xs_, t, abort); }
  std::optional<std::string> xs_read(std::uint32_t t, const std::string& path) override {
    unsigned len = 0;
    std::unique_ptr<char, Free> v(static_cast<char*>(::xs_read(xs_, t, path.c_str(), &len)));
    if (!v) return std::nullopt;
    return std::string(v.get(), len);
  }
  bool xs_write(std::uint32_t t, const std::string& path, const std::string& value) override {
    return ::xs_write(xs_, t, path.c_str(), value.data(), static_cast<unsigned>(value.size()));
  }
  bool xs_mkdir(std::uint32_t t, const std::string& path) override { return ::xs_mkdir(xs_, t, path.c_str()); }
  bool xs_rm(std::uint32_t t, const std::string& path) override { return ::xs_rm(xs_, t, path.c_str()); }
  std::optional<std::vector<std::string>> xs_directory(std::uint32_t t, const std::string& path) override {
    unsigned n = 0;
    std::unique_ptr<char*, Free> list(::xs_directory(xs_, t, path.c_str(), &n));
    if (!list) return std::nullopt;
    std::vector<std::string> out;
    for (unsigned i = 0; i < n; ++i) out.emplace_back(list.get()[i]);
    return out;
  }
  bool xs_set_permissions(std::uint32_t t, const std::string& path,
                          const std::vector<StorePermission>& perms) override {
    std::vector<xs_permissions> raw;
    for (const auto& p : perms) {
      unsigned bits = XS_PERM_NONE;
      if (p.access == 'r' || p.access == 'b') bits |= XS_PERM_READ;
      if (p.access == 'w' || p.access == 'b') bits |= XS_PERM_WRITE;
      raw.push_back({p.domid, bits});
    }
    return ::xs_set_permissions(xs_, t, path.c_str(), raw.data(), static_cast<unsigned>(raw.size()));
  }
  bool xs_introduce_domain(std::uint32_t domid, std::uint64_t mfn, std::uint32_t port) override {
    return ::xs_introduce_domain(xs_, domid, static_cast<unsigned long>(mfn), port);
  }
  bool xs_watch(const std::string& path, const std::string& token) override {
    return ::xs_watch(xs_, path.c_str(), token.c_str());
  }
  bool xs_unwatch(const std::string& path, const std::string& token) override {
    return ::xs_unwatch(xs_, path.c_str(), token.c_str());
  }
  int xs_fileno() override { return ::xs_fileno(xs_); }
  std::optional<std::pair<std::string, std::string>> xs_read_watch() override {
    unsigned n = 0;
    std::unique_ptr<char*, Free> v(::xs_read_watch(xs_, &n));
    if (!v || n < 2) return std::nullopt;
    return std::make_pair(std::string(v.get()[XS_WATCH_PATH]), std::string(v.get()[XS_WATCH_TOKEN]));
  }

  xc_dom_image* dom_allocate(const std::string& cmdline, const std::string& features) override {
    return ::xc_dom_allocate(xch_, cmdline.c_str(), features.empty() ? nullptr : features.c_str());
  }
  int dom_kernel_file(xc_dom_image* dom, const std::string& path) override {
    return ::xc_dom_kernel_file(dom, path.c_str());
  }
  int dom_module_file(xc_dom_image* dom, const std::string& path, const std::string& cmdline) override {
    return ::xc_dom_module_file(dom, path.c_str(), cmdline.empty() ? nullptr : cmdline.c_str());
  }
  void dom_setup(xc_dom_image* dom, const PvImageSetup& s) override {
    dom->container_type = xc_dom_image::XC_DOM_PV_CONTAINER;
    dom->flags = 0;
    dom->console_evtchn = s.console_evtchn;
    dom->console_domid = s.console_domid;
    dom->xenstore_evtchn = s.xenstore_evtchn;
    dom->xenstore_domid = s.xenstore_domid;
    dom->claim_enabled = s.claim_enabled;
    dom->max_vcpus = s.max_vcpus;
  }
  int dom_boot_xen_init(xc_dom_image* dom, std::uint32_t domid) override {
    return ::xc_dom_boot_xen_init(dom, xch_, domid);
  }
  int dom_parse_image(xc_dom_image* dom) override { return ::xc_dom_parse_image(dom); }
  int dom_mem_init(xc_dom_image* dom, unsigned mem_mb) override { return ::xc_dom_mem_init(dom, mem_mb); }
  int dom_boot_mem_init(xc_dom_image* dom) override { return ::xc_dom_boot_mem_init(dom); }
  int dom_build_image(xc_dom_image* dom) override { return ::xc_dom_build_image(dom); }
  int dom_boot_image(xc_dom_image* dom) override { return ::xc_dom_boot_image(dom); }
  int dom_gnttab_init(xc_dom_image* dom) override { return ::xc_dom_gnttab_init(dom); }
  int gnttab_seed(std::uint32_t domid, bool is_hvm, std::uint64_t console_gfn, std::uint64_t xenstore_gfn,
                  std::uint32_t console_domid, std::uint32_t xenstore_domid) override {
    return ::xc_dom_gnttab_seed(xch_, domid, is_hvm, console_gfn, xenstore_gfn, console_domid, xenstore_domid);
  }
  PvImageResult dom_result(xc_dom_image* dom) override {
    PvImageResult r;
    r.translated = ::xc_dom_translated(dom);
    r.store_pfn = dom->xenstore_pfn;
    r.console_pfn = dom->console_pfn;
    r.store_mfn = ::xc_dom_p2m(dom, dom->xenstore_pfn);
    r.console_mfn = ::xc_dom_p2m(dom, dom->console_pfn);
    return r;
  }
  void dom_release(xc_dom_image* dom) override { ::xc_dom_release(dom); }

 private:
  std::mutex mu_;
  xc_interface* xch_ = nullptr;
  xenforeignmemory_handle* fmem_ = nullptr;
  xs_handle* xs_ = nullptr;
};

}  // namespace

std::shared_ptr<XenApi> make_real_xen_api() { return std::make_shared<RealXenApi>(); }

}  // namespace hvmtool::xen
