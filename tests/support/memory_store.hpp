#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "hvmtool/store.hpp"

namespace hvmtool::test {

// A plain in-memory Store for tests: no conflicts, no watches.
class MemoryStore final : public Store {
 public:
  void transact(const std::function<void(StoreTransaction&)>& body) override;
  std::optional<std::string> read(std::string_view path) override;
  std::vector<std::string> list(std::string_view path) override;
  void remove(std::string_view path) override;
  void introduce_domain(DomainId domid, std::uint64_t store_mfn, std::uint32_t store_port) override;

  std::map<std::string, std::string> snapshot() const;
  std::map<std::string, std::vector<StorePermission>> permissions() const;
  std::vector<DomainId> introduced() const;

 private:
  friend class MemoryTransaction;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<StorePermission>> perms_;
  std::vector<DomainId> introduced_;
};

}  // namespace hvmtool::test
