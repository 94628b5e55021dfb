#pragma once

// The tree primitives of the embedded store, shared by its commits and by
// the transactions that replay into it. Internal to platforms/common.

#include <set>
#include <string>
#include <vector>

#include "hvmtool_platforms/embedded_store.hpp"

namespace hvmtool::platforms::store_tree {

using Tree = EmbeddedStore::Tree;
using Node = EmbeddedStore::Node;
using Changed = std::set<std::string>;

std::string parent_of(const std::string& path);
std::string child_prefix(const std::string& path);
bool is_below(const std::string& path, const std::string& prefix);

// Every node strictly below `path`, in order.
template <typename F>
void for_each_below(Tree& t, const std::string& path, F&& f) {
  const std::string pre = child_prefix(path);
  for (auto it = t.lower_bound(pre); it != t.end() && it->first.compare(0, pre.size(), pre) == 0; ++it) f(*it);
}

// The names of `path`'s children, sorted. Skips over each child's subtree,
// so listing /local/domain costs O(domains), not O(every node below it).
std::vector<std::string> children(const Tree& t, const std::string& path);

void check_permissions(const std::string& path, const std::vector<StorePermission>& perms);

void do_write(Tree& t, const std::string& path, const std::string& value, std::uint64_t gen, Changed* changed);
void do_mkdir(Tree& t, const std::string& path, std::uint64_t gen, Changed* changed);
void do_remove(Tree& t, const std::string& path, std::uint64_t gen, Changed* changed);
void do_set_perms(Tree& t, const std::string& path, const std::vector<StorePermission>& perms, std::uint64_t gen,
                  Changed* changed);

}  // namespace hvmtool::platforms::store_tree
