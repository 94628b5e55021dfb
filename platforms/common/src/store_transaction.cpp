#include "store_transaction.hpp"

#include <set>

#include "hvmtool/error.hpp"

namespace hvmtool::platforms {

using namespace store_tree;

namespace {

constexpr std::size_t kMaxValue = 4096;  // XENSTORE_PAYLOAD_MAX

}  // namespace

std::optional<Node> EmbeddedStore::Txn::lookup(const std::string& path) const {
  if (auto it = overlay_.find(path); it != overlay_.end()) return it->second;
  std::lock_guard lk(store_.mu_);
  auto it = store_.tree_.find(path);
  if (it == store_.tree_.end()) return std::nullopt;
  return it->second;
}

Node& EmbeddedStore::Txn::changeable(const std::string& path) {
  auto it = overlay_.find(path);
  if (it != overlay_.end() && it->second) return *it->second;
  if (it == overlay_.end())
    if (auto live = lookup(path)) return *(overlay_[path] = std::move(live));
  // Absent: the root always exists, so there is a parent to inherit from.
  Node& parent = changeable(parent_of(path));
  Node n;
  n.perms = parent.perms;
  return *(overlay_[path] = std::move(n));
}

void EmbeddedStore::Txn::note(const std::string& path) {
  if (seen_.count(path)) return;
  std::lock_guard lk(store_.mu_);
  auto it = store_.tree_.find(path);
  seen_.emplace(path, it == store_.tree_.end() ? 0 : it->second.gen);
}

void EmbeddedStore::Txn::note_with_ancestors(const std::string& path) {
  std::string p = path;
  for (;;) {
    note(p);
    if (p == "/" || lookup(p)) break;
    p = parent_of(p);
  }
}

void EmbeddedStore::Txn::writable(const std::string& path) const {
  if (auto id = store_.foreign_domain(path))
    throw PlatformError("store: " + path + " belongs to domain " + std::to_string(*id) +
                        ", held by another hvmtool process; its store is read-only here");
}

std::optional<std::string> EmbeddedStore::Txn::read(std::string_view p) {
  std::string path = normalise_store_path(p);
  note(path);
  auto node = lookup(path);
  if (!node) return std::nullopt;
  return node->value;
}

void EmbeddedStore::Txn::write(std::string_view p, std::string_view value) {
  if (value.size() > kMaxValue) throw PlatformError("store: value larger than 4096 bytes");
  std::string path = normalise_store_path(p);
  writable(path);
  note_with_ancestors(path);
  changeable(path).value = std::string(value);
  ops_.push_back({Op::write, path, std::string(value), {}});
}

void EmbeddedStore::Txn::mkdir(std::string_view p) {
  std::string path = normalise_store_path(p);
  writable(path);
  note_with_ancestors(path);
  changeable(path);
  ops_.push_back({Op::mkdir, path, {}, {}});
}

void EmbeddedStore::Txn::remove(std::string_view p) {
  std::string path = normalise_store_path(p);
  writable(path);
  if (path == "/") throw PlatformError("store: the root node cannot be removed");
  note(path);
  note(parent_of(path));
  // What goes: the subtree as this transaction sees it (live nodes below,
  // and nodes it created there itself).
  std::set<std::string> doomed;
  {
    std::lock_guard lk(store_.mu_);
    for_each_below(store_.tree_, path, [&](auto& kv) { doomed.insert(kv.first); });
  }
  const std::string pre = child_prefix(path);
  for (auto it = overlay_.lower_bound(pre); it != overlay_.end() && it->first.compare(0, pre.size(), pre) == 0; ++it)
    doomed.insert(it->first);
  if (lookup(path)) doomed.insert(path);
  for (const auto& d : doomed) {
    note(d);
    overlay_[d] = std::nullopt;
  }
  ops_.push_back({Op::remove, path, {}, {}});
}

std::vector<std::string> EmbeddedStore::Txn::list(std::string_view p) {
  std::string path = normalise_store_path(p);
  note(path);
  std::vector<std::string> live;
  {
    std::lock_guard lk(store_.mu_);
    live = children(store_.tree_, path);
  }
  std::set<std::string> names(live.begin(), live.end());
  const std::string pre = child_prefix(path);
  for (auto it = overlay_.lower_bound(pre); it != overlay_.end() && it->first.compare(0, pre.size(), pre) == 0; ++it) {
    std::string name = it->first.substr(pre.size());
    if (name.empty() || name.find('/') != std::string::npos) continue;
    if (it->second)
      names.insert(std::move(name));
    else
      names.erase(name);
  }
  return {names.begin(), names.end()};
}

void EmbeddedStore::Txn::set_permissions(std::string_view p, const std::vector<StorePermission>& perms) {
  std::string path = normalise_store_path(p);
  writable(path);
  note(path);
  if (!lookup(path)) throw PlatformError("store: set_permissions: " + path + " does not exist");
  check_permissions(path, perms);
  changeable(path).perms = perms;
  ops_.push_back({Op::set_perms, path, {}, perms});
}

bool EmbeddedStore::Txn::still_valid(const Tree& tree) const {
  for (const auto& [path, seen] : seen_) {
    auto it = tree.find(path);
    if ((it == tree.end() ? 0 : it->second.gen) != seen) return false;
  }
  return true;
}

void EmbeddedStore::Txn::apply(Tree& tree, std::uint64_t gen, Changed& changed) const {
  for (const auto& op : ops_) {
    switch (op.kind) {
      case Op::write:
        do_write(tree, op.path, op.value, gen, &changed);
        break;
      case Op::mkdir:
        do_mkdir(tree, op.path, gen, &changed);
        break;
      case Op::remove:
        do_remove(tree, op.path, gen, &changed);
        break;
      case Op::set_perms:
        do_set_perms(tree, op.path, op.perms, gen, &changed);
        break;
    }
  }
}

}  // namespace hvmtool::platforms
