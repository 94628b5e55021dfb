#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "hvmtool/store.hpp"
#include "xen_api.hpp"

namespace hvmtool::xen {

// The Store interface on xenstored through libxenstore (xs_transaction_start
// / xs_transaction_end with EAGAIN retry, xs_write, xs_set_permissions, ...).
class XenStore final : public Store {
 public:
  // Called by introduce_domain before xs_introduce_domain with the domain,
  // the store frame and the port given; returns the port to introduce with.
  // The platform uses it to supply the store event channel it allocated
  // (the core build_post stage passes 0 when no stage left a "store.port"
  // note) and to seed the grant entries xenstored maps.
  using PrepareIntroduce = std::function<std::uint32_t(DomainId, std::uint64_t store_mfn, std::uint32_t port)>;
  explicit XenStore(std::shared_ptr<XenApi> api, PrepareIntroduce prepare = {});

  void transact(const std::function<void(StoreTransaction&)>& body) override;
  std::optional<std::string> read(std::string_view path) override;
  std::vector<std::string> list(std::string_view path) override;
  void remove(std::string_view path) override;
  void introduce_domain(DomainId domid, std::uint64_t store_mfn, std::uint32_t store_port) override;

  // Outside any transaction.
  void write(std::string_view path, std::string_view value);
  void set_permissions(std::string_view path, const std::vector<StorePermission>& perms);

  static constexpr int kMaxAttempts = 64;

 private:
  std::shared_ptr<XenApi> api_;
  PrepareIntroduce prepare_;
};

}  // namespace hvmtool::xen
