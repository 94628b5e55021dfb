#include "store_tree.hpp"

#include "hvmtool/error.hpp"

namespace hvmtool::platforms::store_tree {

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string child_prefix(const std::string& path) { return path == "/" ? "/" : path + "/"; }

bool is_below(const std::string& path, const std::string& prefix) {
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> children(const Tree& t, const std::string& path) {
  std::vector<std::string> out;
  const std::string pre = child_prefix(path);
  for (auto it = t.lower_bound(pre); it != t.end() && it->first.compare(0, pre.size(), pre) == 0;) {
    std::string_view rest = std::string_view(it->first).substr(pre.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
      if (!rest.empty()) out.emplace_back(rest);  // "/" itself, when listing the root
      ++it;
      continue;
    }
    // Inside child C's subtree, [pre C "/", pre C "0"): '0' follows '/'.
    // Siblings such as "C-x" sort before "C/" and were seen already.
    it = t.lower_bound(pre + std::string(rest.substr(0, slash)) + "0");
  }
  return out;
}

namespace {

void touch(Tree& t, const std::string& path, std::uint64_t gen, Changed* changed) {
  auto it = t.find(path);
  if (it != t.end()) it->second.gen = gen;
  if (changed) changed->insert(path);
}

// Creates `path` and missing ancestors (empty values, the parent's permissions).
Node& create(Tree& t, const std::string& path, std::uint64_t gen, Changed* changed) {
  auto it = t.find(path);
  if (it != t.end()) return it->second;
  Node& p = create(t, parent_of(path), gen, changed);
  Node n;
  n.perms = p.perms;
  n.gen = gen;
  p.gen = gen;  // its child list changed
  if (changed) changed->insert(path);
  return t.emplace(path, std::move(n)).first->second;
}

}  // namespace

void check_permissions(const std::string& path, const std::vector<StorePermission>& perms) {
  if (perms.empty()) throw PlatformError("store: set_permissions: " + path + ": empty permission list");
  for (const auto& p : perms)
    if (p.access != 'n' && p.access != 'r' && p.access != 'w' && p.access != 'b')
      throw PlatformError(std::string("store: set_permissions: access '") + p.access + "' is not one of n r w b");
}

void do_write(Tree& t, const std::string& path, const std::string& value, std::uint64_t gen, Changed* changed) {
  Node& n = create(t, path, gen, changed);
  n.value = value;
  touch(t, path, gen, changed);
}

void do_mkdir(Tree& t, const std::string& path, std::uint64_t gen, Changed* changed) { create(t, path, gen, changed); }

void do_remove(Tree& t, const std::string& path, std::uint64_t gen, Changed* changed) {
  if (path == "/") throw PlatformError("store: the root node cannot be removed");
  auto it = t.find(path);
  if (it == t.end()) return;  // xenstore's ENOENT; libxl ignores it too
  const std::string pre = child_prefix(path);
  auto end = t.lower_bound(pre);
  while (end != t.end() && end->first.compare(0, pre.size(), pre) == 0) ++end;
  if (changed) {
    changed->insert(path);
    for (auto below = t.lower_bound(pre); below != end; ++below) changed->insert(below->first);
  }
  t.erase(t.lower_bound(pre), end);
  t.erase(path);
  touch(t, parent_of(path), gen, nullptr);
}

void do_set_perms(Tree& t, const std::string& path, const std::vector<StorePermission>& perms, std::uint64_t gen,
                  Changed* changed) {
  auto it = t.find(path);
  if (it == t.end()) throw PlatformError("store: set_permissions: " + path + " does not exist");
  check_permissions(path, perms);
  it->second.perms = perms;
  touch(t, path, gen, changed);
}

}  // namespace hvmtool::platforms::store_tree
