#pragma once

// The seam between the xen platform and Xen's C libraries: one virtual method
// per library call the platform makes, with the library's own argument types
// and return conventions (-1/false/NULL with errno set on failure). The
// product always uses RealXenApi (real_xen_api.hpp); unit tests substitute an
// implementation that records each call.

#include "xen_c.hpp"  // xen_domctl_createdomain, xen_pfn_t (types only)

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hvmtool/store.hpp"

struct xc_dom_image;

namespace hvmtool::xen {

// One row of xc_domain_getinfolist (the fields of xen_domctl_getdomaininfo
// the platform uses).
struct DomInfo {
  std::uint32_t domid = 0;
  std::uint32_t flags = 0;  // XEN_DOMINF_*
  std::uint64_t tot_pages = 0;
  std::uint64_t max_pages = 0;
  std::uint32_t nr_online_vcpus = 0;
  std::array<std::uint8_t, 16> handle{};

  bool dying() const { return flags & XEN_DOMINF_dying; }
  bool shutdown() const { return flags & XEN_DOMINF_shutdown; }
  bool paused() const { return flags & XEN_DOMINF_paused; }
  unsigned shutdown_code() const { return (flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask; }
};

// The fields of struct xc_dom_image that libxl__build_pv sets between
// xc_dom_allocate and xc_dom_boot_xen_init.
struct PvImageSetup {
  std::uint32_t console_evtchn = 0;
  std::uint32_t console_domid = 0;
  std::uint32_t xenstore_evtchn = 0;
  std::uint32_t xenstore_domid = 0;
  unsigned max_vcpus = 1;
  bool claim_enabled = false;
};

// What libxl__build_pv reads back after xc_dom_gnttab_init.
struct PvImageResult {
  bool translated = false;
  std::uint64_t store_pfn = 0, console_pfn = 0;
  std::uint64_t store_mfn = 0, console_mfn = 0;  // xc_dom_p2m of the pfns (== pfn when translated)
};

class XenApi {
 public:
  virtual ~XenApi() = default;

  // xc_interface_open, xenforeignmemory_open, xs_open. Throws PlatformError
  // with one line when this is not a Xen dom0.
  virtual void open() = 0;

  // ---- libxenctrl
  virtual int domain_create(std::uint32_t* domid, xen_domctl_createdomain* config) = 0;
  virtual int domain_max_vcpus(std::uint32_t domid, unsigned max) = 0;
  virtual int domain_setmaxmem(std::uint32_t domid, std::uint64_t max_kib) = 0;
  virtual int domain_set_memmap_limit(std::uint32_t domid, std::uint64_t map_limit_kib) = 0;
  virtual int domain_set_tsc_info(std::uint32_t domid, std::uint32_t tsc_mode) = 0;
  virtual int set_paging_mempool_size(std::uint32_t domid, std::uint64_t bytes) = 0;
  // Non-exact XENMEM_populate_physmap: returns the number of extents done, or -1.
  virtual int domain_populate_physmap(std::uint32_t domid, unsigned long nr_extents, unsigned extent_order,
                                      unsigned mem_flags, xen_pfn_t* extent_start) = 0;
  virtual int domain_set_pod_target(std::uint32_t domid, std::uint64_t target_pages) = 0;
  virtual int hvm_param_set(std::uint32_t domid, std::uint32_t param, std::uint64_t value) = 0;
  virtual int hvm_param_get(std::uint32_t domid, std::uint32_t param, std::uint64_t* value) = 0;
  // With buf == nullptr: the size of the domain's HVM context.
  virtual int domain_hvm_getcontext(std::uint32_t domid, std::uint8_t* buf, std::uint32_t size) = 0;
  virtual int domain_hvm_setcontext(std::uint32_t domid, std::uint8_t* buf, std::uint32_t size) = 0;
  virtual int domain_pause(std::uint32_t domid) = 0;
  virtual int domain_unpause(std::uint32_t domid) = 0;
  virtual int domain_destroy(std::uint32_t domid) = 0;
  // Up to `max` domains with id >= first; -1 on error.
  virtual int domain_getinfolist(std::uint32_t first, unsigned max, std::vector<DomInfo>& out) = 0;
  // A port of `domid` for `remote` to bind, or -1.
  virtual int evtchn_alloc_unbound(std::uint32_t domid, std::uint32_t remote) = 0;
  // The hypervisor's console ring from *index on (incremental, not cleared):
  // up to *nr_chars into buf; *nr_chars and *index updated.
  virtual int readconsolering(char* buf, unsigned* nr_chars, std::uint32_t* index) = 0;

  // ---- libxenforeignmemory
  virtual void* foreignmemory_map(std::uint32_t domid, int prot, std::size_t pages, const xen_pfn_t* arr, int* err) = 0;
  virtual int foreignmemory_unmap(void* addr, std::size_t pages) = 0;

  // ---- libxenstore (transaction 0 = XBT_NULL)
  virtual std::uint32_t xs_transaction_start() = 0;  // 0 on failure
  virtual bool xs_transaction_end(std::uint32_t t, bool abort) = 0;
  virtual std::optional<std::string> xs_read(std::uint32_t t, const std::string& path) = 0;
  virtual bool xs_write(std::uint32_t t, const std::string& path, const std::string& value) = 0;
  virtual bool xs_mkdir(std::uint32_t t, const std::string& path) = 0;
  virtual bool xs_rm(std::uint32_t t, const std::string& path) = 0;
  virtual std::optional<std::vector<std::string>> xs_directory(std::uint32_t t, const std::string& path) = 0;
  virtual bool xs_set_permissions(std::uint32_t t, const std::string& path,
                                  const std::vector<StorePermission>& perms) = 0;
  virtual bool xs_introduce_domain(std::uint32_t domid, std::uint64_t mfn, std::uint32_t port) = 0;
  virtual bool xs_watch(const std::string& path, const std::string& token) = 0;
  virtual bool xs_unwatch(const std::string& path, const std::string& token) = 0;
  // A descriptor that polls readable while a watch event is queued.
  virtual int xs_fileno() = 0;
  // The next queued event as (path, token); blocks if none is queued.
  virtual std::optional<std::pair<std::string, std::string>> xs_read_watch() = 0;

  // ---- libxenguest: the xc_dom_* builder (PV)
  virtual xc_dom_image* dom_allocate(const std::string& cmdline, const std::string& features) = 0;
  virtual int dom_kernel_file(xc_dom_image* dom, const std::string& path) = 0;
  virtual int dom_module_file(xc_dom_image* dom, const std::string& path, const std::string& cmdline) = 0;
  // Sets container_type = PV and the fields in `setup`, as libxl__build_pv does.
  virtual void dom_setup(xc_dom_image* dom, const PvImageSetup& setup) = 0;
  virtual int dom_boot_xen_init(xc_dom_image* dom, std::uint32_t domid) = 0;
  virtual int dom_parse_image(xc_dom_image* dom) = 0;
  virtual int dom_mem_init(xc_dom_image* dom, unsigned mem_mb) = 0;
  virtual int dom_boot_mem_init(xc_dom_image* dom) = 0;
  virtual int dom_build_image(xc_dom_image* dom) = 0;
  virtual int dom_boot_image(xc_dom_image* dom) = 0;
  virtual int dom_gnttab_init(xc_dom_image* dom) = 0;
  // xc_dom_gnttab_seed: the reserved grant entries xenconsoled and xenstored
  // map (GNTTAB_RESERVED_CONSOLE/XENSTORE), for a domain not built by xc_dom.
  virtual int gnttab_seed(std::uint32_t domid, bool is_hvm, std::uint64_t console_gfn, std::uint64_t xenstore_gfn,
                          std::uint32_t console_domid, std::uint32_t xenstore_domid) = 0;
  virtual PvImageResult dom_result(xc_dom_image* dom) = 0;
  virtual void dom_release(xc_dom_image* dom) = 0;
};

}  // namespace hvmtool::xen
