#include "hvmtool_platforms/embedded_store.hpp"

#include <boost/asio/post.hpp>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "hvmtool/error.hpp"
#include "store_transaction.hpp"

namespace hvmtool::platforms {

namespace fs = std::filesystem;
using namespace store_tree;

namespace {

constexpr std::size_t kMaxPath = 3072;  // XENSTORE_ABS_PATH_MAX
constexpr int kMaxAttempts = 1000;
constexpr std::string_view kLocalDomain = "/local/domain/";

std::string escape(std::string_view v) {
  std::string out;
  for (unsigned char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20 || c >= 0x7F) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string unescape(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\\' || i + 1 >= v.size()) {
      out += v[i];
      continue;
    }
    char c = v[++i];
    if (c == 'n')
      out += '\n';
    else if (c == 't')
      out += '\t';
    else if (c == 'x' && i + 2 < v.size()) {
      unsigned x = 0;
      auto sub = v.substr(i + 1, 2);
      std::from_chars(sub.data(), sub.data() + sub.size(), x, 16);
      out += static_cast<char>(x);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<DomainId> domain_of(const std::string& path) {
  if (path.compare(0, kLocalDomain.size(), kLocalDomain) != 0) return std::nullopt;
  std::string_view rest = std::string_view(path).substr(kLocalDomain.size());
  rest = rest.substr(0, rest.find('/'));
  DomainId id;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
  if (ec != std::errc() || p != rest.data() + rest.size() || rest.empty()) return std::nullopt;
  return id;
}

}  // namespace

std::string normalise_store_path(std::string_view in) {
  std::string path = in.empty() || in.front() != '/' ? "/local/domain/0/" + std::string(in) : std::string(in);
  if (path.size() > kMaxPath) throw PlatformError("store: path longer than 3072 bytes");
  if (path != "/" && (path.back() == '/' || path.find("//") != std::string::npos))
    throw PlatformError("store: invalid path '" + path + "' (empty component or trailing '/')");
  for (char c : path)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '/' ||
          c == '_' || c == '@'))
      throw PlatformError("store: invalid character in path '" + path + "' (allowed: A-Z a-z 0-9 - / _ @)");
  return path;
}

std::string format_permissions(const std::vector<StorePermission>& perms) {
  std::string out;
  for (const auto& p : perms) {
    if (!out.empty()) out += ' ';
    out += p.access;
    out += std::to_string(p.domid);
  }
  return out;
}

std::vector<StorePermission> parse_permissions(std::string_view text) {
  std::vector<StorePermission> out;
  std::istringstream in{std::string(text)};
  std::string tok;
  while (in >> tok) {
    if (tok.size() < 2) continue;
    StorePermission p;
    p.access = tok[0];
    std::from_chars(tok.data() + 1, tok.data() + tok.size(), p.domid);
    out.push_back(p);
  }
  return out;
}

std::string format_snapshot(const std::vector<StoreNode>& nodes) {
  std::string out;
  for (const auto& n : nodes) out += n.path + '\t' + format_permissions(n.perms) + '\t' + escape(n.value) + '\n';
  return out;
}

std::vector<StoreNode> parse_snapshot(std::string_view text) {
  std::vector<StoreNode> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    auto t1 = line.find('\t');
    if (t1 == std::string_view::npos) continue;
    auto t2 = line.find('\t', t1 + 1);
    if (t2 == std::string_view::npos) continue;
    StoreNode n;
    n.path = std::string(line.substr(0, t1));
    n.perms = parse_permissions(line.substr(t1 + 1, t2 - t1 - 1));
    n.value = unescape(line.substr(t2 + 1));
    out.push_back(std::move(n));
  }
  return out;
}

std::optional<std::vector<StoreNode>> read_store_snapshot(const fs::path& registry_dir, DomainId id) {
  std::ifstream in(registry_dir / (std::to_string(id) + ".store"), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return parse_snapshot(s.str());
}

// --- the store ------------------------------------------------------------------

EmbeddedStore::EmbeddedStore(boost::asio::io_context& io, fs::path snapshot_dir)
    : io_(io), snapshot_dir_(std::move(snapshot_dir)) {
  Node root;
  root.perms = {StorePermission{0, 'n'}};
  root.gen = gen_;
  tree_.emplace("/", std::move(root));
}

void EmbeddedStore::transact(const std::function<void(StoreTransaction&)>& body) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    Txn txn(*this);
    body(txn);  // an exception aborts the transaction: nothing is applied
    Changed changed;
    {
      std::lock_guard lk(mu_);
      if (!txn.still_valid(tree_)) {
        ++conflicts_;
        continue;  // EAGAIN: run the body again on fresh state
      }
      if (txn.read_only()) return;
      ++gen_;
      txn.apply(tree_, gen_, changed);
    }
    after_commit(changed);
    return;
  }
  throw PlatformError("store: transaction still conflicting after " + std::to_string(kMaxAttempts) + " attempts");
}

std::optional<DomainId> EmbeddedStore::foreign_domain(const std::string& path) {
  if (snapshot_dir_.empty()) return std::nullopt;
  auto id = domain_of(path);
  if (!id) return std::nullopt;
  {
    std::lock_guard lk(mu_);
    if (local_.count(*id) || tree_.count(std::string(kLocalDomain) + std::to_string(*id))) return std::nullopt;
  }
  std::error_code ec;
  if (!fs::exists(snapshot_dir_ / (std::to_string(*id) + ".store"), ec)) return std::nullopt;
  return id;
}

std::optional<std::string> EmbeddedStore::read(std::string_view p) {
  std::string path = normalise_store_path(p);
  if (auto id = foreign_domain(path)) {
    if (auto snap = read_store_snapshot(snapshot_dir_, *id))
      for (const auto& n : *snap)
        if (n.path == path) return n.value;
    return std::nullopt;
  }
  std::lock_guard lk(mu_);
  auto it = tree_.find(path);
  if (it == tree_.end()) return std::nullopt;
  return it->second.value;
}

std::vector<std::string> EmbeddedStore::list(std::string_view p) {
  std::string path = normalise_store_path(p);
  if (auto id = foreign_domain(path)) {
    std::vector<std::string> out;
    if (auto snap = read_store_snapshot(snapshot_dir_, *id)) {
      const std::string pre = child_prefix(path);
      for (const auto& n : *snap)
        if (n.path.compare(0, pre.size(), pre) == 0 && n.path.find('/', pre.size()) == std::string::npos &&
            n.path.size() > pre.size())
          out.push_back(n.path.substr(pre.size()));
    }
    return out;
  }
  std::vector<std::string> out;
  {
    std::lock_guard lk(mu_);
    out = children(tree_, path);
  }
  if (path == "/local/domain" && !snapshot_dir_.empty()) {
    // Domains of other processes, as far as their snapshots tell.
    std::set<std::string> all(out.begin(), out.end());
    std::error_code ec;
    for (const auto& de : fs::directory_iterator(snapshot_dir_, ec))
      if (de.path().extension() == ".store") all.insert(de.path().stem().string());
    out.assign(all.begin(), all.end());
  }
  return out;
}

void EmbeddedStore::remove(std::string_view p) {
  std::string path = normalise_store_path(p);
  if (auto id = foreign_domain(path))
    throw PlatformError("store: " + path + " belongs to domain " + std::to_string(*id) +
                        ", held by another hvmtool process; its store is read-only here");
  Changed changed;
  {
    std::lock_guard lk(mu_);
    if (!tree_.count(path)) return;
    do_remove(tree_, path, ++gen_, &changed);
  }
  after_commit(changed);
}

std::vector<StoreNode> EmbeddedStore::dump(std::string_view p) {
  std::string path = normalise_store_path(p);
  if (auto id = foreign_domain(path)) {
    std::vector<StoreNode> out;
    if (auto snap = read_store_snapshot(snapshot_dir_, *id))
      for (auto& n : *snap)
        if (n.path == path || n.path.compare(0, child_prefix(path).size(), child_prefix(path)) == 0)
          out.push_back(std::move(n));
    return out;
  }
  std::lock_guard lk(mu_);
  std::vector<StoreNode> out;
  auto it = tree_.find(path);
  if (it == tree_.end()) return out;
  out.push_back({it->first, it->second.value, it->second.perms});
  for_each_below(tree_, path, [&](auto& kv) { out.push_back({kv.first, kv.second.value, kv.second.perms}); });
  return out;
}

std::optional<std::vector<StorePermission>> EmbeddedStore::permissions(std::string_view p) {
  std::string path = normalise_store_path(p);
  std::lock_guard lk(mu_);
  auto it = tree_.find(path);
  if (it == tree_.end()) return std::nullopt;
  return it->second.perms;
}

std::uint64_t EmbeddedStore::conflicts() const {
  std::lock_guard lk(mu_);
  return conflicts_;
}

void EmbeddedStore::write_snapshot_locked(DomainId id) {
  if (snapshot_dir_.empty()) return;
  const std::string root = std::string(kLocalDomain) + std::to_string(id);
  std::vector<StoreNode> nodes;
  auto it = tree_.find(root);
  if (it != tree_.end()) {
    nodes.push_back({it->first, it->second.value, it->second.perms});
    for_each_below(tree_, root, [&](auto& kv) { nodes.push_back({kv.first, kv.second.value, kv.second.perms}); });
  }
  const fs::path file = snapshot_dir_ / (std::to_string(id) + ".store");
  fs::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;  // best effort: the in-process store is the truth
    out << format_snapshot(nodes);
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
}

void EmbeddedStore::after_commit(const Changed& changed) {
  std::vector<std::pair<WatchCallback, std::pair<std::string, std::string>>> fire;
  {
    std::lock_guard lk(mu_);
    std::set<DomainId> dirty;
    for (const auto& path : changed)
      if (auto id = domain_of(path); id && local_.count(*id)) dirty.insert(*id);
    for (DomainId id : dirty) write_snapshot_locked(id);
    for (const auto& [wid, w] : watches_)
      for (const auto& path : changed)
        if (path == w.path || w.path == "/" || path.compare(0, w.path.size() + 1, w.path + "/") == 0)
          fire.push_back({w.cb, {path, w.token}});
  }
  for (auto& [cb, args] : fire)
    boost::asio::post(io_, [cb = std::move(cb), args = std::move(args)] { cb(args.first, args.second); });
}

std::uint64_t EmbeddedStore::watch(std::string_view p, std::string token, WatchCallback cb) {
  std::string path = normalise_store_path(p);
  std::uint64_t id;
  {
    std::lock_guard lk(mu_);
    id = next_watch_++;
    watches_[id] = Watch{path, token, cb};
  }
  boost::asio::post(io_, [cb, path, token] { cb(path, token); });  // xenstore fires a new watch once
  return id;
}

void EmbeddedStore::unwatch(std::uint64_t id) {
  std::lock_guard lk(mu_);
  watches_.erase(id);
}

void EmbeddedStore::add_local_domain(DomainId id) {
  std::lock_guard lk(mu_);
  local_.insert(id);
}

void EmbeddedStore::remove_local_domain(DomainId id) noexcept {
  {
    std::lock_guard lk(mu_);
    local_.erase(id);  // first, so that no snapshot of the removal is written
  }
  try {
    remove(std::string(kLocalDomain) + std::to_string(id));
  } catch (...) {
  }
  if (!snapshot_dir_.empty()) {
    std::error_code ec;
    fs::remove(snapshot_dir_ / (std::to_string(id) + ".store"), ec);
  }
}

}  // namespace hvmtool::platforms
