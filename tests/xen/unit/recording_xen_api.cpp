#include "recording_xen_api.hpp"

#include <fcntl.h>
#include <unistd.h>

extern "C" {
#include <xen/hvm/save.h>
}

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "hvmtool/error.hpp"

namespace hvmtool::xen::test {
namespace {

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string parent_of(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == std::string::npos || pos == 0) return path.size() > 1 && path[0] == '/' ? "/" : "";
  return path.substr(0, pos);
}

char dom_image_token;

}  // namespace

RecordingXenApi::RecordingXenApi() {
  if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
  DomInfo dom0;
  dom0.domid = 0;
  dom0.flags = XEN_DOMINF_running;
  domains_[0] = dom0;
  store_["/local/domain/0/name"] = "Domain-0";
}

RecordingXenApi::~RecordingXenApi() {
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

void RecordingXenApi::add(std::string entry) { calls_.push_back(std::move(entry)); }

bool RecordingXenApi::failing(const std::string& name) {
  if (fail_call != name) return false;
  add(name + " FAILED");
  errno = EPERM;
  return true;
}

std::vector<std::string> RecordingXenApi::calls() const {
  std::lock_guard l(mu_);
  return calls_;
}

std::vector<std::string> RecordingXenApi::calls_starting(const std::string& prefix) const {
  std::lock_guard l(mu_);
  std::vector<std::string> out;
  for (const auto& c : calls_)
    if (c.starts_with(prefix)) out.push_back(c);
  return out;
}

long RecordingXenApi::index_of(const std::string& prefix, long from) const {
  std::lock_guard l(mu_);
  for (std::size_t i = static_cast<std::size_t>(std::max(from, 0L)); i < calls_.size(); ++i)
    if (calls_[i].starts_with(prefix)) return static_cast<long>(i);
  return -1;
}

std::vector<xen_domctl_createdomain> RecordingXenApi::creates() const {
  std::lock_guard l(mu_);
  return creates_;
}
std::vector<PopulateCall> RecordingXenApi::populates() const {
  std::lock_guard l(mu_);
  return populates_;
}
std::vector<std::vector<std::uint8_t>> RecordingXenApi::setcontexts() const {
  std::lock_guard l(mu_);
  return setcontexts_;
}
std::map<std::string, std::string> RecordingXenApi::store() const {
  std::lock_guard l(mu_);
  return store_;
}
std::map<std::string, std::vector<StorePermission>> RecordingXenApi::perms() const {
  std::lock_guard l(mu_);
  return perms_;
}
std::size_t RecordingXenApi::live_mappings() const {
  std::lock_guard l(mu_);
  return mappings_.size();
}
std::set<std::uint32_t> RecordingXenApi::live_domains() const {
  std::lock_guard l(mu_);
  std::set<std::uint32_t> out;
  for (const auto& [id, info] : domains_)
    if (id != 0) out.insert(id);
  return out;
}

void RecordingXenApi::queue_watch_locked(const std::string& path, const std::string& token) {
  watch_queue_.emplace_back(path, token);
  const char c = 'w';
  [[maybe_unused]] auto n = ::write(pipe_[1], &c, 1);
}

void RecordingXenApi::set_shutdown(std::uint32_t domid, unsigned code) {
  std::lock_guard l(mu_);
  auto& d = domains_.at(domid);
  d.flags = (d.flags & ~(XEN_DOMINF_running | (XEN_DOMINF_shutdownmask << XEN_DOMINF_shutdownshift))) |
            XEN_DOMINF_shutdown | (code << XEN_DOMINF_shutdownshift);
  for (const auto& [token, path] : watches_)
    if (path == "@releaseDomain") queue_watch_locked(path, token);
}

void RecordingXenApi::fire_release_domain() {
  std::lock_guard l(mu_);
  for (const auto& [token, path] : watches_)
    if (path == "@releaseDomain") queue_watch_locked(path, token);
}

std::vector<std::uint8_t> RecordingXenApi::full_hvm_context() {
  std::vector<std::uint8_t> out;
  auto put = [&](const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  };
  auto desc = [&](std::uint16_t code, std::uint16_t instance, std::uint32_t len) {
    hvm_save_descriptor d{code, instance, len};
    put(&d, sizeof d);
  };
  hvm_save_header h{};
  h.magic = HVM_FILE_MAGIC;
  h.version = HVM_FILE_VERSION;
  h.changeset = 0x417;
  h.cpuid = 0x000306c3;
  h.gtsc_khz = 2400000;
  desc(HVM_SAVE_CODE(HEADER), 0, sizeof h);
  put(&h, sizeof h);
  hvm_hw_cpu cpu;
  std::memset(&cpu, 0xAB, sizeof cpu);  // junk that must not leak into the new record
  desc(HVM_SAVE_CODE(CPU), 0, sizeof cpu);
  put(&cpu, sizeof cpu);
  hvm_hw_mtrr mtrr;
  std::memset(&mtrr, 0, sizeof mtrr);
  mtrr.msr_pat_cr = 0x0007040600070406ull;
  mtrr.msr_mtrr_cap = 0x508;
  desc(HVM_SAVE_CODE(MTRR), 0, sizeof mtrr);
  put(&mtrr, sizeof mtrr);
  desc(HVM_SAVE_CODE(END), 0, 0);
  return out;
}

void RecordingXenApi::open() {
  std::lock_guard l(mu_);
  add("open");
  if (!open_error.empty()) throw PlatformError(open_error);
}

int RecordingXenApi::domain_create(std::uint32_t* domid, xen_domctl_createdomain* config) {
  std::lock_guard l(mu_);
  if (failing("xc_domain_create")) return -1;
  creates_.push_back(*config);
  const std::uint32_t id = *domid ? *domid : next_domid++;
  add("xc_domain_create domid=" + std::to_string(*domid) + " flags=" + hex(config->flags) +
      " emulation=" + hex(config->arch.emulation_flags) + " max_vcpus=" + std::to_string(config->max_vcpus) + " -> " +
      std::to_string(id));
  DomInfo d;
  d.domid = id;
  d.flags = XEN_DOMINF_paused;
  std::memcpy(d.handle.data(), config->handle, 16);
  domains_[id] = d;
  *domid = id;
  return 0;
}

#define SIMPLE_CALL(name, text)          \
  std::lock_guard l(mu_);                \
  if (failing(name)) return -1;          \
  add(std::string(name) + " " + (text)); \
  return 0;

int RecordingXenApi::domain_max_vcpus(std::uint32_t domid, unsigned max) {
  SIMPLE_CALL("xc_domain_max_vcpus", std::to_string(domid) + " " + std::to_string(max))
}
int RecordingXenApi::domain_setmaxmem(std::uint32_t domid, std::uint64_t kib) {
  SIMPLE_CALL("xc_domain_setmaxmem", std::to_string(domid) + " " + std::to_string(kib))
}
int RecordingXenApi::domain_set_memmap_limit(std::uint32_t domid, std::uint64_t kib) {
  SIMPLE_CALL("xc_domain_set_memmap_limit", std::to_string(domid) + " " + std::to_string(kib))
}
int RecordingXenApi::domain_set_tsc_info(std::uint32_t domid, std::uint32_t mode) {
  SIMPLE_CALL("xc_domain_set_tsc_info", std::to_string(domid) + " " + std::to_string(mode))
}
int RecordingXenApi::set_paging_mempool_size(std::uint32_t domid, std::uint64_t bytes) {
  SIMPLE_CALL("xc_set_paging_mempool_size", std::to_string(domid) + " " + std::to_string(bytes))
}
int RecordingXenApi::domain_set_pod_target(std::uint32_t domid, std::uint64_t pages) {
  SIMPLE_CALL("xc_domain_set_pod_target", std::to_string(domid) + " " + std::to_string(pages))
}
int RecordingXenApi::domain_pause(std::uint32_t domid) { SIMPLE_CALL("xc_domain_pause", std::to_string(domid)) }

int RecordingXenApi::domain_populate_physmap(std::uint32_t domid, unsigned long nr, unsigned order, unsigned flags,
                                             xen_pfn_t* extents) {
  std::lock_guard l(mu_);
  PopulateCall c{domid, nr, order, flags, std::vector<xen_pfn_t>(extents, extents + nr), 0};
  const std::string text = "xc_domain_populate_physmap " + std::to_string(domid) + " nr=" + std::to_string(nr) +
                           " order=" + std::to_string(order) + " first=" + hex(nr ? extents[0] : 0);
  if (failing("xc_domain_populate_physmap")) return -1;
  int rc;
  if (order > max_order) {
    rc = 0;
  } else if (order == 0 && order0_limit && nr > *order0_limit) {
    rc = -1;
  } else {
    rc = static_cast<int>(nr);
  }
  c.result = rc;
  populates_.push_back(std::move(c));
  add(text + " -> " + std::to_string(rc));
  if (rc < 0) errno = ENOMEM;
  return rc;
}

int RecordingXenApi::hvm_param_set(std::uint32_t domid, std::uint32_t param, std::uint64_t value) {
  std::lock_guard l(mu_);
  if (failing("xc_hvm_param_set")) return -1;
  add("xc_hvm_param_set " + std::to_string(domid) + " " + std::to_string(param) + " " + hex(value));
  params_[{domid, param}] = value;
  return 0;
}

int RecordingXenApi::hvm_param_get(std::uint32_t domid, std::uint32_t param, std::uint64_t* value) {
  std::lock_guard l(mu_);
  if (failing("xc_hvm_param_get")) return -1;
  add("xc_hvm_param_get " + std::to_string(domid) + " " + std::to_string(param));
  auto it = params_.find({domid, param});
  *value = it == params_.end() ? 0 : it->second;
  return 0;
}

int RecordingXenApi::domain_hvm_getcontext(std::uint32_t domid, std::uint8_t* buf, std::uint32_t size) {
  std::lock_guard l(mu_);
  if (failing("xc_domain_hvm_getcontext")) return -1;
  const auto full = full_hvm_context();
  add("xc_domain_hvm_getcontext " + std::to_string(domid) + " size=" + std::to_string(size));
  if (!buf) return static_cast<int>(full.size());
  if (size < full.size()) {
    errno = ENOSPC;
    return -1;
  }
  std::memcpy(buf, full.data(), full.size());
  return static_cast<int>(full.size());
}

int RecordingXenApi::domain_hvm_setcontext(std::uint32_t domid, std::uint8_t* buf, std::uint32_t size) {
  std::lock_guard l(mu_);
  if (failing("xc_domain_hvm_setcontext")) return -1;
  hvm_save_descriptor second{};
  if (size >= 2 * sizeof(hvm_save_descriptor) + sizeof(hvm_save_header))
    std::memcpy(&second, buf + sizeof(hvm_save_descriptor) + sizeof(hvm_save_header), sizeof second);
  add("xc_domain_hvm_setcontext " + std::to_string(domid) + " size=" + std::to_string(size) +
      " record=" + std::to_string(second.typecode) + "/" + std::to_string(second.instance));
  setcontexts_.emplace_back(buf, buf + size);
  return 0;
}

int RecordingXenApi::domain_unpause(std::uint32_t domid) {
  std::lock_guard l(mu_);
  if (failing("xc_domain_unpause")) return -1;
  add("xc_domain_unpause " + std::to_string(domid));
  auto it = domains_.find(domid);
  if (it == domains_.end()) {
    errno = ESRCH;
    return -1;
  }
  it->second.flags = (it->second.flags & ~XEN_DOMINF_paused) | XEN_DOMINF_running;
  if (shutdown_on_unpause) {
    it->second.flags = (it->second.flags & ~XEN_DOMINF_running) | XEN_DOMINF_shutdown |
                       (*shutdown_on_unpause << XEN_DOMINF_shutdownshift);
    for (const auto& [token, path] : watches_)
      if (path == "@releaseDomain") queue_watch_locked(path, token);
  }
  return 0;
}

int RecordingXenApi::domain_destroy(std::uint32_t domid) {
  std::lock_guard l(mu_);
  if (failing("xc_domain_destroy")) return -1;
  add("xc_domain_destroy " + std::to_string(domid));
  if (domains_.erase(domid) == 0) {
    errno = ESRCH;
    return -1;
  }
  for (const auto& [token, path] : watches_)
    if (path == "@releaseDomain") queue_watch_locked(path, token);
  return 0;
}

int RecordingXenApi::domain_getinfolist(std::uint32_t first, unsigned max, std::vector<DomInfo>& out) {
  std::lock_guard l(mu_);
  if (failing("xc_domain_getinfolist")) return -1;
  add("xc_domain_getinfolist first=" + std::to_string(first) + " max=" + std::to_string(max));
  out.clear();
  for (auto it = domains_.lower_bound(first); it != domains_.end() && out.size() < max; ++it) out.push_back(it->second);
  return static_cast<int>(out.size());
}

int RecordingXenApi::evtchn_alloc_unbound(std::uint32_t domid, std::uint32_t remote) {
  std::lock_guard l(mu_);
  if (failing("xc_evtchn_alloc_unbound")) return -1;
  const int port = next_port++;
  add("xc_evtchn_alloc_unbound " + std::to_string(domid) + " remote=" + std::to_string(remote) + " -> " +
      std::to_string(port));
  return port;
}

void RecordingXenApi::console_write(const std::string& text) {
  std::lock_guard l(mu_);
  ring_ += text;
}

int RecordingXenApi::readconsolering(char* buf, unsigned* nr_chars, std::uint32_t* index) {
  std::lock_guard l(mu_);
  if (failing("xc_readconsolering")) return -1;
  // Not recorded: it is polled.
  const std::size_t from = std::min<std::size_t>(*index, ring_.size());
  const std::size_t n = std::min<std::size_t>(*nr_chars, ring_.size() - from);
  std::memcpy(buf, ring_.data() + from, n);
  *nr_chars = static_cast<unsigned>(n);
  *index = static_cast<std::uint32_t>(from + n);
  return 0;
}

void* RecordingXenApi::foreignmemory_map(std::uint32_t domid, int prot, std::size_t pages, const xen_pfn_t* arr,
                                         int* err) {
  std::lock_guard l(mu_);
  if (failing("xenforeignmemory_map")) return nullptr;
  add("xenforeignmemory_map " + std::to_string(domid) + " prot=" + std::to_string(prot) +
      " pages=" + std::to_string(pages) + " first=" + hex(pages ? arr[0] : 0));
  // A page is mappable if some successful populate call covered it.
  for (std::size_t i = 0; i < pages; ++i) {
    bool ok = false;
    for (const auto& p : populates_) {
      if (p.domid != domid || p.result <= 0) continue;
      for (int e = 0; e < p.result && !ok; ++e)
        ok = arr[i] >= p.extents[static_cast<std::size_t>(e)] &&
             arr[i] < p.extents[static_cast<std::size_t>(e)] + (xen_pfn_t(1) << p.order);
      if (ok) break;
    }
    err[i] = ok ? 0 : -ENOENT;
  }
  std::vector<std::byte> mem(pages << 12);
  void* addr = mem.data();
  mappings_.emplace(addr, std::move(mem));
  return addr;
}

int RecordingXenApi::foreignmemory_unmap(void* addr, std::size_t pages) {
  std::lock_guard l(mu_);
  add("xenforeignmemory_unmap pages=" + std::to_string(pages));
  auto it = mappings_.find(addr);
  if (it == mappings_.end() || it->second.size() != pages << 12) {
    errno = EINVAL;
    return -1;
  }
  mappings_.erase(it);
  return 0;
}

std::uint32_t RecordingXenApi::xs_transaction_start() {
  std::lock_guard l(mu_);
  if (failing("xs_transaction_start")) return 0;
  const std::uint32_t t = next_txn_++;
  txn_snapshots_[t] = {store_, perms_};
  add("xs_transaction_start -> " + std::to_string(t));
  return t;
}

bool RecordingXenApi::xs_transaction_end(std::uint32_t t, bool abort) {
  std::lock_guard l(mu_);
  add("xs_transaction_end " + std::to_string(t) + (abort ? " abort" : " commit"));
  auto it = txn_snapshots_.find(t);
  if (it == txn_snapshots_.end()) {
    errno = EINVAL;
    return false;
  }
  auto snap = std::move(it->second);
  txn_snapshots_.erase(it);
  if (abort || transaction_conflicts > 0) {
    store_ = std::move(snap.first);
    perms_ = std::move(snap.second);
    if (abort) return true;
    --transaction_conflicts;
    errno = EAGAIN;
    return false;
  }
  return true;
}

std::optional<std::string> RecordingXenApi::xs_read(std::uint32_t t, const std::string& path) {
  std::lock_guard l(mu_);
  add("xs_read " + std::to_string(t) + " " + path);
  auto it = store_.find(path);
  if (it == store_.end()) {
    errno = ENOENT;
    return std::nullopt;
  }
  return it->second;
}

void RecordingXenApi::write_locked(const std::string& path, const std::string& value) {
  // xenstored creates missing parents; a new node inherits its parent's permissions.
  std::vector<std::string> chain;
  for (std::string p = path; !p.empty() && p != "/"; p = parent_of(p)) chain.push_back(p);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (store_.count(*it)) continue;
    store_[*it] = "";
    auto pp = perms_.find(parent_of(*it));
    if (pp != perms_.end()) perms_[*it] = pp->second;
  }
  store_[path] = value;
  for (const auto& [token, wpath] : watches_)
    if (path == wpath || path.starts_with(wpath + "/")) queue_watch_locked(path, token);
}

bool RecordingXenApi::xs_write(std::uint32_t t, const std::string& path, const std::string& value) {
  std::lock_guard l(mu_);
  if (failing("xs_write")) return false;
  add("xs_write " + std::to_string(t) + " " + path + " = " + value);
  write_locked(path, value);
  return true;
}

bool RecordingXenApi::xs_mkdir(std::uint32_t t, const std::string& path) {
  std::lock_guard l(mu_);
  add("xs_mkdir " + std::to_string(t) + " " + path);
  if (!store_.count(path)) write_locked(path, "");
  return true;
}

bool RecordingXenApi::xs_rm(std::uint32_t t, const std::string& path) {
  std::lock_guard l(mu_);
  add("xs_rm " + std::to_string(t) + " " + path);
  if (!store_.count(path)) {
    errno = ENOENT;
    return false;
  }
  for (auto it = store_.begin(); it != store_.end();) {
    if (it->first == path || it->first.starts_with(path + "/")) {
      perms_.erase(it->first);
      it = store_.erase(it);
    } else {
      ++it;
    }
  }
  return true;
}

std::optional<std::vector<std::string>> RecordingXenApi::xs_directory(std::uint32_t t, const std::string& path) {
  std::lock_guard l(mu_);
  add("xs_directory " + std::to_string(t) + " " + path);
  if (!store_.count(path)) {
    errno = ENOENT;
    return std::nullopt;
  }
  std::vector<std::string> out;
  const std::string prefix = path + "/";
  for (const auto& [p, v] : store_)
    if (p.starts_with(prefix) && p.find('/', prefix.size()) == std::string::npos)
      out.push_back(p.substr(prefix.size()));
  return out;
}

bool RecordingXenApi::xs_set_permissions(std::uint32_t t, const std::string& path,
                                         const std::vector<StorePermission>& perms) {
  std::lock_guard l(mu_);
  if (failing("xs_set_permissions")) return false;
  std::string text;
  for (const auto& p : perms) text += (text.empty() ? "" : ",") + std::string(1, p.access) + std::to_string(p.domid);
  add("xs_set_permissions " + std::to_string(t) + " " + path + " " + text);
  if (!store_.count(path)) {
    errno = ENOENT;
    return false;
  }
  perms_[path] = perms;
  return true;
}

bool RecordingXenApi::xs_introduce_domain(std::uint32_t domid, std::uint64_t mfn, std::uint32_t port) {
  std::lock_guard l(mu_);
  if (failing("xs_introduce_domain")) return false;
  add("xs_introduce_domain " + std::to_string(domid) + " mfn=" + hex(mfn) + " port=" + std::to_string(port));
  return true;
}

bool RecordingXenApi::xs_watch(const std::string& path, const std::string& token) {
  std::lock_guard l(mu_);
  add("xs_watch " + path + " " + token);
  watches_[token] = path;
  queue_watch_locked(path, token);  // xenstored fires a new watch once at once
  return true;
}

bool RecordingXenApi::xs_unwatch(const std::string& path, const std::string& token) {
  std::lock_guard l(mu_);
  add("xs_unwatch " + path + " " + token);
  watches_.erase(token);
  return true;
}

int RecordingXenApi::xs_fileno() {
  std::lock_guard l(mu_);
  return pipe_[0];
}

std::optional<std::pair<std::string, std::string>> RecordingXenApi::xs_read_watch() {
  std::lock_guard l(mu_);
  if (watch_queue_.empty()) return std::nullopt;
  char c;
  [[maybe_unused]] auto n = ::read(pipe_[0], &c, 1);
  auto ev = watch_queue_.front();
  watch_queue_.erase(watch_queue_.begin());
  add("xs_read_watch -> " + ev.first);
  return ev;
}

xc_dom_image* RecordingXenApi::dom_allocate(const std::string& cmdline, const std::string& features) {
  std::lock_guard l(mu_);
  if (failing("xc_dom_allocate")) return nullptr;
  add("xc_dom_allocate cmdline='" + cmdline + "' features='" + features + "'");
  return reinterpret_cast<xc_dom_image*>(&dom_image_token);
}

#define DOM_CALL(name, text)                                                \
  std::lock_guard l(mu_);                                                   \
  if (dom != reinterpret_cast<xc_dom_image*>(&dom_image_token)) {           \
    errno = EINVAL;                                                         \
    return -1;                                                              \
  }                                                                         \
  if (failing(name)) return -1;                                             \
  add(std::string(name) + (std::string(text).empty() ? "" : " ") + (text)); \
  return 0;

int RecordingXenApi::dom_kernel_file(xc_dom_image* dom, const std::string& path) {
  DOM_CALL("xc_dom_kernel_file", path)
}
int RecordingXenApi::dom_module_file(xc_dom_image* dom, const std::string& path, const std::string& cmdline) {
  DOM_CALL("xc_dom_module_file", path + " cmdline='" + cmdline + "'")
}
void RecordingXenApi::dom_setup(xc_dom_image*, const PvImageSetup& s) {
  std::lock_guard l(mu_);
  add("xc_dom_image fields: container=PV console_evtchn=" + std::to_string(s.console_evtchn) +
      " console_domid=" + std::to_string(s.console_domid) + " xenstore_evtchn=" + std::to_string(s.xenstore_evtchn) +
      " xenstore_domid=" + std::to_string(s.xenstore_domid) + " max_vcpus=" + std::to_string(s.max_vcpus) +
      " claim=" + std::to_string(s.claim_enabled));
}
int RecordingXenApi::dom_boot_xen_init(xc_dom_image* dom, std::uint32_t domid) {
  DOM_CALL("xc_dom_boot_xen_init", std::to_string(domid))
}
int RecordingXenApi::dom_parse_image(xc_dom_image* dom) { DOM_CALL("xc_dom_parse_image", "") }
int RecordingXenApi::dom_mem_init(xc_dom_image* dom, unsigned mb) { DOM_CALL("xc_dom_mem_init", std::to_string(mb)) }
int RecordingXenApi::dom_boot_mem_init(xc_dom_image* dom) { DOM_CALL("xc_dom_boot_mem_init", "") }
int RecordingXenApi::dom_build_image(xc_dom_image* dom) { DOM_CALL("xc_dom_build_image", "") }
int RecordingXenApi::dom_boot_image(xc_dom_image* dom) { DOM_CALL("xc_dom_boot_image", "") }
int RecordingXenApi::dom_gnttab_init(xc_dom_image* dom) { DOM_CALL("xc_dom_gnttab_init", "") }

int RecordingXenApi::gnttab_seed(std::uint32_t domid, bool is_hvm, std::uint64_t console_gfn,
                                 std::uint64_t xenstore_gfn, std::uint32_t console_domid, std::uint32_t xenstore_domid){
    SIMPLE_CALL("xc_dom_gnttab_seed", std::to_string(domid) + " hvm=" + std::to_string(is_hvm) +
                                          " console=" + hex(console_gfn) + " xenstore=" + hex(xenstore_gfn) +
                                          " console_domid=" + std::to_string(console_domid) +
                                          " xenstore_domid=" + std::to_string(xenstore_domid))}

PvImageResult RecordingXenApi::dom_result(xc_dom_image*) {
  std::lock_guard l(mu_);
  add("xc_dom results");
  PvImageResult r;
  r.translated = false;
  r.store_pfn = 0x7fe;
  r.console_pfn = 0x7ff;
  r.store_mfn = 0x12345;
  r.console_mfn = 0x12346;
  return r;
}

void RecordingXenApi::dom_release(xc_dom_image*) {
  std::lock_guard l(mu_);
  add("xc_dom_release");
}

}  // namespace hvmtool::xen::test
