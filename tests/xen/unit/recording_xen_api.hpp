#pragma once

// A XenApi that records every call with its arguments and plays a small Xen:
// domain ids, a xenstore tree with permissions and transactions, the
// @releaseDomain watch on a pipe, populate_physmap with a largest order,
// foreign mappings on host memory, HVM contexts. Test-only.

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "xen_api.hpp"

namespace hvmtool::xen::test {

struct PopulateCall {
  std::uint32_t domid;
  unsigned long nr_extents;
  unsigned order;
  unsigned mem_flags;
  std::vector<xen_pfn_t> extents;
  int result;
};

class RecordingXenApi final : public XenApi {
 public:
  RecordingXenApi();
  ~RecordingXenApi() override;

  // ---- knobs
  std::uint32_t next_domid = 7;
  int next_port = 10;
  unsigned max_order = 18;                      // larger orders return 0 extents
  std::optional<std::size_t> order0_limit;      // order-0 calls populate at most this many, then -1/ENOMEM
  std::string fail_call;                        // a call name (e.g. "xc_domain_unpause") that fails with EPERM
  std::optional<unsigned> shutdown_on_unpause;  // SHUTDOWN_* code the guest "sets" when unpaused
  int transaction_conflicts = 0;                // xs_transaction_end fails with EAGAIN this many times
  std::string open_error;                       // open() throws PlatformError with this text
  void console_write(const std::string& text);  // appends to the hypervisor's console ring

  // ---- what was seen
  std::vector<std::string> calls() const;
  std::vector<std::string> calls_starting(const std::string& prefix) const;
  // Index of the first call at or after `from` starting with `prefix`, or -1.
  long index_of(const std::string& prefix, long from = 0) const;
  std::vector<xen_domctl_createdomain> creates() const;
  std::vector<PopulateCall> populates() const;
  std::vector<std::vector<std::uint8_t>> setcontexts() const;
  std::map<std::string, std::string> store() const;
  std::map<std::string, std::vector<StorePermission>> perms() const;
  std::size_t live_mappings() const;
  std::set<std::uint32_t> live_domains() const;

  // The domain's state as xc_domain_getinfolist reports it; fires @releaseDomain.
  void set_shutdown(std::uint32_t domid, unsigned code);
  void fire_release_domain();

  // The full HVM context the recorder returns: HEADER, CPU, MTRR (instance 0), END.
  static std::vector<std::uint8_t> full_hvm_context();

  // ---- XenApi
  void open() override;
  int domain_create(std::uint32_t* domid, xen_domctl_createdomain* config) override;
  int domain_max_vcpus(std::uint32_t domid, unsigned max) override;
  int domain_setmaxmem(std::uint32_t domid, std::uint64_t max_kib) override;
  int domain_set_memmap_limit(std::uint32_t domid, std::uint64_t kib) override;
  int domain_set_tsc_info(std::uint32_t domid, std::uint32_t tsc_mode) override;
  int set_paging_mempool_size(std::uint32_t domid, std::uint64_t bytes) override;
  int domain_populate_physmap(std::uint32_t domid, unsigned long nr, unsigned order, unsigned flags,
                              xen_pfn_t* extents) override;
  int domain_set_pod_target(std::uint32_t domid, std::uint64_t target_pages) override;
  int hvm_param_set(std::uint32_t domid, std::uint32_t param, std::uint64_t value) override;
  int hvm_param_get(std::uint32_t domid, std::uint32_t param, std::uint64_t* value) override;
  int domain_hvm_getcontext(std::uint32_t domid, std::uint8_t* buf, std::uint32_t size) override;
  int domain_hvm_setcontext(std::uint32_t domid, std::uint8_t* buf, std::uint32_t size) override;
  int domain_pause(std::uint32_t domid) override;
  int domain_unpause(std::uint32_t domid) override;
  int domain_destroy(std::uint32_t domid) override;
  int domain_getinfolist(std::uint32_t first, unsigned max, std::vector<DomInfo>& out) override;
  int evtchn_alloc_unbound(std::uint32_t domid, std::uint32_t remote) override;
  int readconsolering(char* buf, unsigned* nr_chars, std::uint32_t* index) override;
  void* foreignmemory_map(std::uint32_t domid, int prot, std::size_t pages, const xen_pfn_t* arr, int* err) override;
  int foreignmemory_unmap(void* addr, std::size_t pages) override;
  std::uint32_t xs_transaction_start() override;
  bool xs_transaction_end(std::uint32_t t, bool abort) override;
  std::optional<std::string> xs_read(std::uint32_t t, const std::string& path) override;
  bool xs_write(std::uint32_t t, const std::string& path, const std::string& value) override;
  bool xs_mkdir(std::uint32_t t, const std::string& path) override;
  bool xs_rm(std::uint32_t t, const std::string& path) override;
  std::optional<std::vector<std::string>> xs_directory(std::uint32_t t, const std::string& path) override;
  bool xs_set_permissions(std::uint32_t t, const std::string& path, const std::vector<StorePermission>& perms) override;
  bool xs_introduce_domain(std::uint32_t domid, std::uint64_t mfn, std::uint32_t port) override;
  bool xs_watch(const std::string& path, const std::string& token) override;
  bool xs_unwatch(const std::string& path, const std::string& token) override;
  int xs_fileno() override;
  std::optional<std::pair<std::string, std::string>> xs_read_watch() override;
  xc_dom_image* dom_allocate(const std::string& cmdline, const std::string& features) override;
  int dom_kernel_file(xc_dom_image* dom, const std::string& path) override;
  int dom_module_file(xc_dom_image* dom, const std::string& path, const std::string& cmdline) override;
  void dom_setup(xc_dom_image* dom, const PvImageSetup& setup) override;
  int dom_boot_xen_init(xc_dom_image* dom, std::uint32_t domid) override;
  int dom_parse_image(xc_dom_image* dom) override;
  int dom_mem_init(xc_dom_image* dom, unsigned mem_mb) override;
  int dom_boot_mem_init(xc_dom_image* dom) override;
  int dom_build_image(xc_dom_image* dom) override;
  int dom_boot_image(xc_dom_image* dom) override;
  int dom_gnttab_init(xc_dom_image* dom) override;
  int gnttab_seed(std::uint32_t domid, bool is_hvm, std::uint64_t console_gfn, std::uint64_t xenstore_gfn,
                  std::uint32_t console_domid, std::uint32_t xenstore_domid) override;
  PvImageResult dom_result(xc_dom_image* dom) override;
  void dom_release(xc_dom_image* dom) override;

 private:
  bool failing(const std::string& name);  // records nothing; sets errno
  void add(std::string entry);
  void write_locked(const std::string& path, const std::string& value);
  void queue_watch_locked(const std::string& path, const std::string& token);

  mutable std::mutex mu_;
  std::vector<std::string> calls_;
  std::vector<xen_domctl_createdomain> creates_;
  std::vector<PopulateCall> populates_;
  std::vector<std::vector<std::uint8_t>> setcontexts_;
  std::map<std::uint32_t, DomInfo> domains_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> params_;
  std::map<std::string, std::string> store_;
  std::map<std::string, std::vector<StorePermission>> perms_;
  std::map<std::uint32_t,
           std::pair<std::map<std::string, std::string>, std::map<std::string, std::vector<StorePermission>>>>
      txn_snapshots_;
  std::uint32_t next_txn_ = 1;
  std::map<void*, std::vector<std::byte>> mappings_;
  std::vector<std::pair<std::string, std::string>> watch_queue_;
  std::map<std::string, std::string> watches_;  // token -> path
  int pipe_[2] = {-1, -1};
  std::string ring_;
};

}  // namespace hvmtool::xen::test
