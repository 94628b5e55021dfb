// The embedded store (kvm, emu): xenstore semantics, transactions that
// conflict and retry, watches, and the per-domain snapshot.

#define BOOST_TEST_MODULE embedded_store
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <thread>

#include "hvmtool/error.hpp"
#include "hvmtool_platforms/embedded_store.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace hvmtool::platforms;

namespace {

struct StoreEnv {
  boost::asio::io_context io;
  hvmtool::test::TempDir dir;
  EmbeddedStore store{io, dir.path()};
};

void put(Store& s, const std::string& path, const std::string& value) {
  s.transact([&](StoreTransaction& t) { t.write(path, value); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(paths_values_and_lists) {
  StoreEnv e;
  put(e.store, "/local/domain/3/name", "guest");
  put(e.store, "/local/domain/3/memory/target", "131072");
  BOOST_TEST(e.store.read("/local/domain/3/name").value() == "guest");
  BOOST_TEST(e.store.read("/local/domain/3").value() == "");  // parents are created empty
  BOOST_TEST(!e.store.read("/local/domain/3/nosuch"));
  auto l = e.store.list("/local/domain/3");
  std::sort(l.begin(), l.end());
  BOOST_TEST((l == std::vector<std::string>{"memory", "name"}));
  BOOST_TEST(e.store.list("/").size() == 1u);  // "local"
  BOOST_TEST(e.store.list("/local/domain/3/nosuch").empty());
  // Relative paths are the toolstack's own domain (0).
  put(e.store, "vm", "x");
  BOOST_TEST(e.store.read("/local/domain/0/vm").value() == "x");
  // Binary-safe values.
  const std::string bin("a\0b\nc\td\\", 8);
  put(e.store, "/bin", bin);
  BOOST_TEST(e.store.read("/bin").value() == bin);
}

BOOST_AUTO_TEST_CASE(invalid_paths_are_refused) {
  StoreEnv e;
  for (const char* p : {"/a//b", "/a/", "/a b", "/a.b", "/a/\xc3\xa9"})
    BOOST_CHECK_THROW(put(e.store, p, "v"), PlatformError);
  BOOST_CHECK_THROW(put(e.store, "/big", std::string(4097, 'x')), PlatformError);
  BOOST_CHECK_THROW(e.store.remove("/"), PlatformError);
  BOOST_CHECK_NO_THROW(put(e.store, "/ok-_@9/Z", "v"));
}

BOOST_AUTO_TEST_CASE(recursive_remove) {
  StoreEnv e;
  put(e.store, "/a/b/c", "1");
  put(e.store, "/a/b/d", "2");
  put(e.store, "/a/b-x", "3");  // sorts between /a/b and /a/b/c: must survive
  e.store.remove("/a/b");
  BOOST_TEST(!e.store.read("/a/b"));
  BOOST_TEST(!e.store.read("/a/b/c"));
  BOOST_TEST(e.store.read("/a/b-x").value() == "3");
  BOOST_TEST((e.store.list("/a") == std::vector<std::string>{"b-x"}));
  BOOST_CHECK_NO_THROW(e.store.remove("/a/b"));  // absent: nothing to do
}

BOOST_AUTO_TEST_CASE(permissions_are_kept_and_inherited) {
  StoreEnv e;
  e.store.transact([](StoreTransaction& t) {
    t.mkdir("/local/domain/5");
    t.set_permissions("/local/domain/5", {{5, 'n'}, {0, 'r'}});
    t.write("/local/domain/5/device/vif/0/state", "1");
  });
  BOOST_TEST(format_permissions(*e.store.permissions("/local/domain/5")) == "n5 r0");
  BOOST_TEST(format_permissions(*e.store.permissions("/local/domain/5/device/vif/0/state")) == "n5 r0");
  BOOST_TEST(format_permissions(*e.store.permissions("/local")) == "n0");
  BOOST_CHECK_THROW(e.store.transact([](StoreTransaction& t) {
    t.set_permissions("/nosuch", {{0, 'r'}});
  }),
                    PlatformError);
  BOOST_CHECK_THROW(e.store.transact([](StoreTransaction& t) {
    t.set_permissions("/local", {{0, 'q'}});
  }),
                    PlatformError);
}

BOOST_AUTO_TEST_CASE(a_failing_body_changes_nothing) {
  StoreEnv e;
  put(e.store, "/x", "before");
  BOOST_CHECK_THROW(e.store.transact([](StoreTransaction& t) {
    t.write("/x", "after");
    t.write("/y", "new");
    throw std::runtime_error("abort");
  }),
                    std::runtime_error);
  BOOST_TEST(e.store.read("/x").value() == "before");
  BOOST_TEST(!e.store.read("/y"));
}

BOOST_AUTO_TEST_CASE(transactions_see_their_own_writes) {
  StoreEnv e;
  e.store.transact([](StoreTransaction& t) {
    t.write("/t/a", "1");
    BOOST_TEST(t.read("/t/a").value() == "1");
    BOOST_TEST((t.list("/t") == std::vector<std::string>{"a"}));
    t.remove("/t/a");
    BOOST_TEST(!t.read("/t/a"));
  });
  BOOST_TEST(e.store.read("/t").value() == "");
}

BOOST_AUTO_TEST_CASE(conflicting_commit_is_retried) {
  StoreEnv e;
  put(e.store, "/counter", "0");
  int attempts = 0;
  e.store.transact([&](StoreTransaction& t) {
    ++attempts;
    int v = std::stoi(t.read("/counter").value());
    if (attempts == 1) put(e.store, "/counter", "100");  // a concurrent writer commits first
    t.write("/counter", std::to_string(v + 1));
  });
  BOOST_TEST(attempts == 2);
  BOOST_TEST(e.store.conflicts() == 1u);
  BOOST_TEST(e.store.read("/counter").value() == "101");
  // Writers of unrelated nodes do not conflict.
  attempts = 0;
  e.store.transact([&](StoreTransaction& t) {
    ++attempts;
    t.read("/counter");
    if (attempts == 1) put(e.store, "/elsewhere", "1");
    t.write("/counter", "7");
  });
  BOOST_TEST(attempts == 1);
}

BOOST_AUTO_TEST_CASE(a_transaction_sees_its_removals_and_recreations) {
  StoreEnv e;
  put(e.store, "/d/a/x", "1");
  put(e.store, "/d/a-b", "2");
  put(e.store, "/d/c", "3");
  e.store.transact([](StoreTransaction& t) {
    t.remove("/d/a");
    BOOST_TEST(!t.read("/d/a/x"));
    BOOST_TEST((t.list("/d") == std::vector<std::string>{"a-b", "c"}));
    t.write("/d/a/y", "new");  // recreates /d/a, empty, under the removal
    t.write("/d/n/m", "4");
    BOOST_TEST((t.list("/d") == std::vector<std::string>{"a", "a-b", "c", "n"}));
    BOOST_TEST((t.list("/d/a") == std::vector<std::string>{"y"}));
  });
  BOOST_TEST(!e.store.read("/d/a/x"));
  BOOST_TEST(e.store.read("/d/a/y").value() == "new");
  BOOST_TEST(e.store.read("/d/a").value() == "");
  BOOST_TEST((e.store.list("/d") == std::vector<std::string>{"a", "a-b", "c", "n"}));
  // An aborted removal leaves the whole subtree.
  BOOST_CHECK_THROW(e.store.transact([](StoreTransaction& t) {
    t.remove("/d");
    throw std::runtime_error("abort");
  }),
                    std::runtime_error);
  BOOST_TEST(e.store.read("/d/n/m").value() == "4");
}

BOOST_AUTO_TEST_CASE(a_read_only_transaction_that_saw_a_change_is_retried) {
  // Two reads of one transaction always come from one state of the store.
  StoreEnv e;
  put(e.store, "/p", "1");
  put(e.store, "/q", "1");
  int attempts = 0;
  std::string seen;
  e.store.transact([&](StoreTransaction& t) {
    ++attempts;
    const std::string p = t.read("/p").value();
    if (attempts == 1) {
      put(e.store, "/p", "2");  // a writer changes both between our reads
      put(e.store, "/q", "2");
    }
    seen = p + t.read("/q").value();
  });
  BOOST_TEST(attempts == 2);
  BOOST_TEST(seen == "22");
  BOOST_TEST(e.store.conflicts() == 1u);
}

BOOST_AUTO_TEST_CASE(a_creation_conflicts_with_a_concurrent_creation_of_the_same_node) {
  StoreEnv e;
  int attempts = 0;
  e.store.transact([&](StoreTransaction& t) {
    ++attempts;
    if (!t.read("/lock")) {
      if (attempts == 1) put(e.store, "/lock", "theirs");
      t.write("/lock", "ours");
    }
  });
  BOOST_TEST(attempts == 2);
  BOOST_TEST(e.store.read("/lock").value() == "theirs");  // the retry saw it taken
}

BOOST_AUTO_TEST_CASE(concurrent_increments_add_up) {
  StoreEnv e;
  put(e.store, "/n", "0");
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&] {
      for (int k = 0; k < 200; ++k)
        e.store.transact(
            [](StoreTransaction& t) { t.write("/n", std::to_string(std::stoi(t.read("/n").value()) + 1)); });
    });
  for (auto& t : ts) t.join();
  BOOST_TEST(e.store.read("/n").value() == "800");
  BOOST_TEST_MESSAGE("conflicts retried: " << e.store.conflicts());
}

BOOST_AUTO_TEST_CASE(watches_fire_on_the_io_context) {
  StoreEnv e;
  std::vector<std::string> fired;
  auto id = e.store.watch("/local/domain/7/device", "tok", [&](const std::string& path, const std::string& token) {
    fired.push_back(path + "|" + token);
  });
  BOOST_TEST(fired.empty());  // not on the caller's stack
  e.io.run();
  e.io.restart();
  BOOST_TEST((fired == std::vector<std::string>{"/local/domain/7/device|tok"}));  // the initial event
  fired.clear();
  put(e.store, "/local/domain/7/device/vbd/768/state", "4");
  put(e.store, "/local/domain/7/name", "other");  // not below the watch
  e.io.run();
  e.io.restart();
  BOOST_TEST(std::count(fired.begin(), fired.end(), "/local/domain/7/device/vbd/768/state|tok") == 1);
  BOOST_TEST(std::count(fired.begin(), fired.end(), "/local/domain/7/name|tok") == 0);
  e.store.unwatch(id);
  fired.clear();
  put(e.store, "/local/domain/7/device/x", "1");
  e.io.run();
  BOOST_TEST(fired.empty());
}

BOOST_AUTO_TEST_CASE(snapshot_for_other_processes) {
  StoreEnv e;
  e.store.add_local_domain(9);
  e.store.transact([](StoreTransaction& t) {
    t.write("/local/domain/9/name", "snap\tshot\n");
    t.write("/local/domain/9/memory/target", "65536");
    t.set_permissions("/local/domain/9", {{9, 'n'}, {0, 'b'}});
  });
  put(e.store, "/local/domain/10/name", "not ours");  // no snapshot for a non-local domain
  auto snap = read_store_snapshot(e.dir.path(), 9);
  BOOST_REQUIRE(snap);
  BOOST_REQUIRE(snap->size() == 4u);
  BOOST_TEST(snap->at(0).path == "/local/domain/9");
  BOOST_TEST(format_permissions(snap->at(0).perms) == "n9 b0");
  BOOST_TEST(!read_store_snapshot(e.dir.path(), 10));

  // Another process's view: a second store over the same directory.
  boost::asio::io_context io2;
  EmbeddedStore other(io2, e.dir.path());
  BOOST_TEST(other.read("/local/domain/9/name").value() == "snap\tshot\n");
  auto l = other.list("/local/domain/9");
  std::sort(l.begin(), l.end());
  BOOST_TEST((l == std::vector<std::string>{"memory", "name"}));
  BOOST_TEST(other.dump("/local/domain/9").size() == 4u);
  BOOST_CHECK_THROW(other.remove("/local/domain/9/name"), PlatformError);

  e.store.remove_local_domain(9);
  BOOST_TEST(!e.store.read("/local/domain/9"));
}
