#pragma once

// One transaction of the embedded store. It sees the live tree through an
// overlay of what it changed, and copies only the nodes it touches, so a
// transaction costs O(what it reads and changes), not O(the tree). Every
// node it touches is noted with the generation it had then; the commit
// succeeds only if none of them changed since (xenstore's EAGAIN otherwise),
// and then replays the operations on the live tree.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store_tree.hpp"

namespace hvmtool::platforms {

class EmbeddedStore::Txn final : public StoreTransaction {
 public:
  explicit Txn(EmbeddedStore& store) : store_(store) {}

  std::optional<std::string> read(std::string_view p) override;
  void write(std::string_view p, std::string_view value) override;
  void mkdir(std::string_view p) override;
  void remove(std::string_view p) override;
  std::vector<std::string> list(std::string_view p) override;
  void set_permissions(std::string_view p, const std::vector<StorePermission>& perms) override;

  // Under the store lock: whether every node this transaction saw is as it
  // saw it (true for a read-only one means its reads were consistent).
  bool still_valid(const Tree& tree) const;
  // Under the store lock, after still_valid(): applies the operations. They
  // cannot fail then: each one already succeeded on the same nodes.
  void apply(Tree& tree, std::uint64_t gen, store_tree::Changed& changed) const;
  bool read_only() const { return ops_.empty(); }

 private:
  struct Op {
    enum Kind { write, mkdir, remove, set_perms } kind;
    std::string path;
    std::string value;
    std::vector<StorePermission> perms;
  };

  // The node as this transaction sees it; nullopt if absent.
  std::optional<Node> lookup(const std::string& path) const;
  // The node, copied into the overlay so it can be changed; created with
  // missing ancestors (the parent's permissions) if absent.
  Node& changeable(const std::string& path);
  // Records the live generation of `path` (0 = absent) the first time the
  // transaction touches it.
  void note(const std::string& path);
  // For a write/mkdir: the node itself and, if it is to be created, every
  // missing ancestor plus the existing one whose child list will change.
  // Unrelated changes elsewhere under the same parents do not conflict.
  void note_with_ancestors(const std::string& path);
  void writable(const std::string& path) const;

  EmbeddedStore& store_;
  std::map<std::string, std::optional<Node>, std::less<>> overlay_;  // nullopt: removed here
  std::map<std::string, std::uint64_t> seen_;
  std::vector<Op> ops_;
};

}  // namespace hvmtool::platforms
