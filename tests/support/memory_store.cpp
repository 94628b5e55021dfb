#include "support/memory_store.hpp"

#include <optional>

namespace hvmtool::test {

namespace {

bool under(const std::string& key, std::string_view path) {
  return key == path || (key.size() > path.size() && key.compare(0, path.size(), path) == 0 && key[path.size()] == '/');
}

// The keys `under` path: all start with it, so they are one range of the map
// (with siblings such as "path-x" mixed in, which `under` skips).
template <typename Map, typename F>
void for_each_under(Map& map, std::string_view path, F&& f) {
  for (auto it = map.lower_bound(std::string(path)); it != map.end() && it->first.starts_with(path);) {
    auto next = std::next(it);
    if (under(it->first, path)) f(it);
    it = next;
  }
}

}  // namespace

// Changes the store in place and keeps what each key it touches held before
// (a journal), so that a failed body can be undone: a transaction costs what
// it changes, not a copy of the whole store.
class MemoryTransaction final : public StoreTransaction {
 public:
  explicit MemoryTransaction(MemoryStore& store) : store_(store) {}
  std::optional<std::string> read(std::string_view path) override {
    auto it = store_.values_.find(std::string(path));
    if (it == store_.values_.end()) return std::nullopt;
    return it->second;
  }
  void write(std::string_view path, std::string_view value) override {
    add_parents(std::string(path));
    save_value(std::string(path));
    store_.values_[std::string(path)] = std::string(value);
  }
  void mkdir(std::string_view path) override {
    add_parents(std::string(path));
    save_value(std::string(path));
    store_.values_.emplace(std::string(path), "");
  }
  void remove(std::string_view path) override {
    for_each_under(store_.values_, path, [&](auto it) {
      save_value(it->first);
      store_.values_.erase(it);
    });
    for_each_under(store_.perms_, path, [&](auto it) {
      save_perms(it->first);
      store_.perms_.erase(it);
    });
  }
  std::vector<std::string> list(std::string_view path) override {
    std::vector<std::string> children;
    const std::string prefix = std::string(path) + "/";
    for (auto it = store_.values_.lower_bound(prefix); it != store_.values_.end() && it->first.starts_with(prefix);
         ++it)
      if (it->first.find('/', prefix.size()) == std::string::npos) children.push_back(it->first.substr(prefix.size()));
    return children;
  }
  void set_permissions(std::string_view path, const std::vector<StorePermission>& perms) override {
    save_perms(std::string(path));
    store_.perms_[std::string(path)] = perms;
  }

  // Puts every key the transaction touched back as it was.
  void roll_back() noexcept {
    restore(store_.values_, old_values_);
    restore(store_.perms_, old_perms_);
  }

 private:
  // Parent directories exist implicitly, as in xenstore.
  void add_parents(const std::string& path) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      std::string parent = path.substr(0, slash);
      save_value(parent);
      store_.values_.emplace(std::move(parent), "");
    }
  }
  void save_value(const std::string& key) { save(store_.values_, old_values_, key); }
  void save_perms(const std::string& key) { save(store_.perms_, old_perms_, key); }

  template <typename Map, typename Journal>
  static void save(const Map& map, Journal& journal, const std::string& key) {
    if (journal.count(key)) return;  // the first touch holds the state before the transaction
    auto it = map.find(key);
    journal.emplace(key, it == map.end() ? std::nullopt : std::make_optional(it->second));
  }
  template <typename Map, typename Journal>
  static void restore(Map& map, Journal& journal) {
    for (auto& [key, old] : journal) {
      if (old)
        map[key] = std::move(*old);
      else
        map.erase(key);
    }
  }

  MemoryStore& store_;
  std::map<std::string, std::optional<std::string>> old_values_;
  std::map<std::string, std::optional<std::vector<StorePermission>>> old_perms_;
};

void MemoryStore::transact(const std::function<void(StoreTransaction&)>& body) {
  std::lock_guard lock(mutex_);
  MemoryTransaction txn(*this);
  try {
    body(txn);
  } catch (...) {
    txn.roll_back();  // a failed transaction leaves nothing behind
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
