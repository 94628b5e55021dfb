#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hvmtool/domain.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// xenstore permission entry: 'n' none, 'r' read, 'w' write, 'b' both, for a domain id.
// The first entry names the owner and the default access of everyone else.
struct StorePermission {
  DomainId domid = 0;
  char access = 'n';
};

// Operations inside one store transaction.
class HVMTOOL_API StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;
  virtual std::optional<std::string> read(std::string_view path) = 0;
  virtual void write(std::string_view path, std::string_view value) = 0;
  virtual void mkdir(std::string_view path) = 0;
  virtual void remove(std::string_view path) = 0;  // recursive
  virtual std::vector<std::string> list(std::string_view path) = 0;
  virtual void set_permissions(std::string_view path, const std::vector<StorePermission>& perms) = 0;
};

// The domain store: xenstored on xen, an embedded store with the same paths on kvm.
class HVMTOOL_API Store {
 public:
  virtual ~Store() = default;
  // Runs `body` in a transaction, retrying it when a concurrent writer made it
  // fail to commit (xenstore's EAGAIN), so `body` must be repeatable.
  virtual void transact(const std::function<void(StoreTransaction&)>& body) = 0;
  virtual std::optional<std::string> read(std::string_view path) = 0;
  virtual std::vector<std::string> list(std::string_view path) = 0;
  virtual void remove(std::string_view path) = 0;
  // Tells the store daemon about a new domain (xs_introduce_domain); no-op where there is none.
  virtual void introduce_domain(DomainId domid, std::uint64_t store_mfn, std::uint32_t store_port) = 0;
};

}  // namespace hvmtool
