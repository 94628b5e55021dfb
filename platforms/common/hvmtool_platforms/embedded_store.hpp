#pragma once

// The store of the platforms without xenstored (kvm, emu): an embedded,
// in-process store with xenstore's semantics (absolute paths, values,
// permissions, transactions that fail and are retried on conflict, recursive
// remove, list, watches). There is no store daemon, so introduce_domain() is
// a no-op.
//
// For other processes (`hvmtool store ls DOMAIN`), a read-only text snapshot
// of /local/domain/<id> is written next to the domain's registry entry after
// every committed change of that subtree. read()/list() of a domain that lives
// in another process are answered from that snapshot.

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hvmtool/store.hpp"

namespace hvmtool::platforms {

struct StoreNode {
  std::string path;
  std::string value;
  std::vector<StorePermission> perms;
};

// "n0 r1" (xenstore-ls -p style) <-> permission list.
std::string format_permissions(const std::vector<StorePermission>& perms);
std::vector<StorePermission> parse_permissions(std::string_view text);

// Snapshot file format, one node per line, parents first:
//   PATH \t PERMISSIONS \t VALUE   (value with \\ \t \n and non-printables as \xHH)
std::string format_snapshot(const std::vector<StoreNode>& nodes);
std::vector<StoreNode> parse_snapshot(std::string_view text);
// Reads <registry_dir>/<id>.store; nullopt if there is none.
std::optional<std::vector<StoreNode>> read_store_snapshot(const std::filesystem::path& registry_dir, DomainId id);

class EmbeddedStore : public Store {
 public:
  using WatchCallback = std::function<void(const std::string& path, const std::string& token)>;

  // `snapshot_dir`: where <id>.store snapshots go (the registry directory);
  // empty = no snapshots. Watch callbacks are posted to `io`.
  EmbeddedStore(boost::asio::io_context& io, std::filesystem::path snapshot_dir);

  void transact(const std::function<void(StoreTransaction&)>& body) override;
  std::optional<std::string> read(std::string_view path) override;
  std::vector<std::string> list(std::string_view path) override;
  void remove(std::string_view path) override;
  void introduce_domain(DomainId, std::uint64_t, std::uint32_t) override {}

  // Beyond the Store interface (xs_watch/xs_unwatch): fires once at once, then
  // after every commit that changed `path` or anything below it.
  std::uint64_t watch(std::string_view path, std::string token, WatchCallback cb);
  void unwatch(std::uint64_t id);

  // Domains of this process: their subtree is snapshotted; other domains'
  // subtrees are read from their snapshot files.
  void add_local_domain(DomainId id);
  // Removes /local/domain/<id> and forgets the domain (its snapshot file goes
  // with the registry entry).
  void remove_local_domain(DomainId id) noexcept;

  // Every node below (and including) `path`, parents first.
  std::vector<StoreNode> dump(std::string_view path);
  std::optional<std::vector<StorePermission>> permissions(std::string_view path);

  // How many commits were retried because of a conflict (tests, diagnostics).
  std::uint64_t conflicts() const;

  struct Node {
    std::string value;
    std::vector<StorePermission> perms;
    std::uint64_t gen = 0;  // commit counter value of its last change (incl. its child list)
  };
  using Tree = std::map<std::string, Node, std::less<>>;

 private:
  class Txn;
  friend class Txn;

  std::optional<DomainId> foreign_domain(const std::string& path);
  void after_commit(const std::set<std::string>& changed);
  void write_snapshot_locked(DomainId id);

  boost::asio::io_context& io_;
  std::filesystem::path snapshot_dir_;
  mutable std::mutex mu_;
  Tree tree_;
  std::uint64_t gen_ = 1;
  std::uint64_t conflicts_ = 0;
  std::set<DomainId> local_;
  struct Watch {
    std::string path;
    std::string token;
    WatchCallback cb;
  };
  std::map<std::uint64_t, Watch> watches_;
  std::uint64_t next_watch_ = 1;
};

// Path rules of xenstored: absolute, or relative to /local/domain/0 (the
// caller is the toolstack); characters [A-Za-z0-9_@/-]; no "//", no trailing
// '/'; at most 3072 bytes. Throws PlatformError.
std::string normalise_store_path(std::string_view path);

}  // namespace hvmtool::platforms
