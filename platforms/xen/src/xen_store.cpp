#include "xen_store.hpp"

#include <cerrno>
#include <cstring>

#include "hvmtool/error.hpp"

namespace hvmtool::xen {
namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw PlatformError("xen: " + what + ": " + std::strerror(err));
}

std::optional<std::string> do_read(XenApi& api, std::uint32_t t, std::string_view path) {
  errno = 0;
  auto v = api.xs_read(t, std::string(path));
  if (!v && errno != ENOENT && errno != 0) fail("xs_read " + std::string(path), errno);
  return v;
}

std::vector<std::string> do_list(XenApi& api, std::uint32_t t, std::string_view path) {
  errno = 0;
  auto v = api.xs_directory(t, std::string(path));
  if (!v) {
    if (errno == ENOENT || errno == 0) return {};
    fail("xs_directory " + std::string(path), errno);
  }
  return *v;
}

void do_remove(XenApi& api, std::uint32_t t, std::string_view path) {
  if (!api.xs_rm(t, std::string(path)) && errno != ENOENT) fail("xs_rm " + std::string(path), errno);
}

class XenTransaction final : public StoreTransaction {
 public:
  XenTransaction(XenApi& api, std::uint32_t t) : api_(api), t_(t) {}
  std::optional<std::string> read(std::string_view path) override { return do_read(api_, t_, path); }
  void write(std::string_view path, std::string_view value) override {
    if (!api_.xs_write(t_, std::string(path), std::string(value))) fail("xs_write " + std::string(path), errno);
  }
  void mkdir(std::string_view path) override {
    if (!api_.xs_mkdir(t_, std::string(path))) fail("xs_mkdir " + std::string(path), errno);
  }
  void remove(std::string_view path) override { do_remove(api_, t_, path); }
  std::vector<std::string> list(std::string_view path) override { return do_list(api_, t_, path); }
  void set_permissions(std::string_view path, const std::vector<StorePermission>& perms) override {
    if (!api_.xs_set_permissions(t_, std::string(path), perms)) fail("xs_set_permissions " + std::string(path), errno);
  }

 private:
  XenApi& api_;
  std::uint32_t t_;
};

}  // namespace

XenStore::XenStore(std::shared_ptr<XenApi> api, PrepareIntroduce prepare)
    : api_(std::move(api)), prepare_(std::move(prepare)) {}

void XenStore::transact(const std::function<void(StoreTransaction&)>& body) {
  for (int attempt = 1;; ++attempt) {
    const std::uint32_t t = api_->xs_transaction_start();
    if (t == 0) fail("xs_transaction_start", errno);
    XenTransaction txn(*api_, t);
    try {
      body(txn);
    } catch (...) {
      const int saved = errno;
      api_->xs_transaction_end(t, true);
      errno = saved;
      throw;
    }
    if (api_->xs_transaction_end(t, false)) return;
    if (errno != EAGAIN) fail("xs_transaction_end", errno);
    if (attempt >= kMaxAttempts)
      throw PlatformError("xen: store transaction still conflicting after " + std::to_string(attempt) + " attempts");
  }
}

std::optional<std::string> XenStore::read(std::string_view path) { return do_read(*api_, 0, path); }

std::vector<std::string> XenStore::list(std::string_view path) { return do_list(*api_, 0, path); }

void XenStore::remove(std::string_view path) { do_remove(*api_, 0, path); }

void XenStore::write(std::string_view path, std::string_view value) {
  if (!api_->xs_write(0, std::string(path), std::string(value))) fail("xs_write " + std::string(path), errno);
}

void XenStore::set_permissions(std::string_view path, const std::vector<StorePermission>& perms) {
  if (!api_->xs_set_permissions(0, std::string(path), perms)) fail("xs_set_permissions " + std::string(path), errno);
}

void XenStore::introduce_domain(DomainId domid, std::uint64_t store_mfn, std::uint32_t store_port) {
  if (prepare_) store_port = prepare_(domid, store_mfn, store_port);
  if (store_port == 0)
    throw PlatformError("xen: xs_introduce_domain " + std::to_string(domid) + ": no store event channel");
  if (!api_->xs_introduce_domain(domid, store_mfn, store_port))
    fail("xs_introduce_domain " + std::to_string(domid), errno);
}

}  // namespace hvmtool::xen
