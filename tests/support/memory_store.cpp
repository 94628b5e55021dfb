#include "support/memory_store.hpp"

namespace hvmtool::test {

namespace {

bool under(const std::string& key, std::string_view path) {
  return key == path || (key.size() > path.size() && key.compare(0, path.size(), path) == 0 && key[path.size()] == '/');
}

// Parent directories exist implicitly, as in xenstore.
void add_parents(std::map<std::string, std::string>& values, const std::string& path) {
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
    values.emplace(path.substr(0, slash), "");
}

}  // namespace

class MemoryTransaction final : public StoreTransaction {
 public:
  explicit MemoryTransaction(MemoryStore& store) : store_(store) {}
  std::optional<std::string> read(std::string_view path) override {
    auto it = store_.values_.find(std::string(path));
    if (it == store_.values_.end()) return std::nullopt;
    return it->second;
  }
  void write(std::string_view path, std::string_view value) override {
    add_parents(store_.values_, std::string(path));
    store_.values_[std::string(path)] = std::string(value);
  }
  void mkdir(std::string_view path) override {
    add_parents(store_.values_, std::string(path));
    store_.values_.emplace(std::string(path), "");
  }
  void remove(std::string_view path) override {
    for (auto it = store_.values_.begin(); it != store_.values_.end();)
      it = under(it->first, path) ? store_.values_.erase(it) : std::next(it);
    for (auto it = store_.perms_.begin(); it != store_.perms_.end();)
      it = under(it->first, path) ? store_.perms_.erase(it) : std::next(it);
  }
  std::vector<std::string> list(std::string_view path) override {
    std::vector<std::string> children;
    const std::string prefix = std::string(path) + "/";
    for (const auto& [key, value] : store_.values_)
      if (key.starts_with(prefix) && key.find('/', prefix.size()) == std::string::npos)
        children.push_back(key.substr(prefix.size()));
    return children;
  }
  void set_permissions(std::string_view path, const std::vector<StorePermission>& perms) override {
    store_.perms_[std::string(path)] = perms;
  }

 private:
  MemoryStore& store_;
};

void MemoryStore::transact(const std::function<void(StoreTransaction&)>& body) {
  std::lock_guard lock(mutex_);
  auto saved_values = values_;
  auto saved_perms = perms_;
  MemoryTransaction txn(*this);
  try {
    body(txn);
  } catch (...) {
    values_ = std::move(saved_values);  // a failed transaction leaves nothing behind
    perms_ = std::move(saved_perms);
    throw;
  }
}

std::optional<std::string> MemoryStore::read(std::string_view path) {
  std::optional<std::string> out;
  transact([&](StoreTransaction& t) { out = t.read(path); });
  return out;
}

std::vector<std::string> MemoryStore::list(std::string_view path) {
  std::vector<std::string> out;
  transact([&](StoreTransaction& t) { out = t.list(path); });
  return out;
}

void MemoryStore::remove(std::string_view path) {
  transact([&](StoreTransaction& t) { t.remove(path); });
}

void MemoryStore::introduce_domain(DomainId domid, std::uint64_t, std::uint32_t) {
  std::lock_guard lock(mutex_);
  introduced_.push_back(domid);
}

std::map<std::string, std::string> MemoryStore::snapshot() const {
  std::lock_guard lock(mutex_);
  return values_;
}

std::map<std::string, std::vector<StorePermission>> MemoryStore::permissions() const {
  std::lock_guard lock(mutex_);
  return perms_;
}

std::vector<DomainId> MemoryStore::introduced() const {
  std::lock_guard lock(mutex_);
  return introduced_;
}

}  // namespace hvmtool::test
