// The registry through the kvm platform: real domains listed from a second
// view, destroy by name of a domain held by another process, and the store
// snapshot read across processes. The registry's own rules (names, ids, stale
// entries, directories) are tested without KVM in tests/platforms_common.

#define BOOST_TEST_MODULE kvm_registry
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <cstring>

#include "hvmtool/error.hpp"
#include "kvm_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::kvm;
using namespace hvmtool::kvm::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The registry's rules (ids, names, the entry format) are tested in
// tests/platforms_common/registry_test; here: that kvm domains follow them.
BOOST_AUTO_TEST_CASE(domains_in_a_second_view) {
  Env env;
  auto a = env.make_domain("reg-a", 16ull << 20);
  auto b = env.make_domain("reg-b", 32ull << 20, 2);

  // Another platform object over the same directory: what `hvmtool list` sees.
  boost::asio::io_context io2;
  CaptureLogger log2;
  KvmOptions o;
  o.registry_dir = env.platform->registry_dir();
  KvmPlatform other(io2, log2, o);
  auto list = other.list_domains();
  BOOST_REQUIRE(list.size() == 2u);
  BOOST_TEST(list[0].id == a->id());
  BOOST_TEST(list[1].id == b->id());
  BOOST_TEST(list[1].memory == (32ull << 20));
  BOOST_TEST(list[1].vcpus == 2u);
  BOOST_TEST(list[1].owner_pid == ::getpid());

  // Names are unique among live domains, from any platform object.
  DomainCreateInfo dup;
  dup.name = "reg-a";
  dup.max_memory = 16ull << 20;
  BOOST_CHECK_THROW(other.create_domain(dup), PlatformError);

  // State follows the domain; the entry goes with it.
  start_multi32(*b, 7);
  b->unpause();
  BOOST_TEST(other.registry().find("reg-b")->state == "running");
  b->pause();
  BOOST_TEST(other.registry().find("reg-b")->state == "paused");
  a.reset();
  BOOST_TEST(other.list_domains().size() == 1u);
}

BOOST_AUTO_TEST_CASE(destroy_unknown_domain_is_a_clear_error) {
  Env env;
  try {
    env.platform->destroy_domain("nosuch");
    BOOST_FAIL("no error");
  } catch (const PlatformError& e) {
    BOOST_TEST(std::string(e.what()).find("no domain named or numbered 'nosuch'") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(destroy_own_domain_by_id) {
  Env env;
  auto d = env.make_domain("mine", 16ull << 20);
  start_multi32(*d, 7);
  std::optional<DomainEvent> got;
  d->set_event_handler([&](const DomainEvent& e) { got = e; });
  d->unpause();
  env.platform->destroy_domain(std::to_string(d->id()));
  BOOST_TEST(impl(*d).state() == "destroyed");
  BOOST_TEST(env.platform->list_domains().empty());
  env.io.restart();
  env.io.run();  // the posted event is the only work
  BOOST_REQUIRE(got);
  BOOST_TEST(got->detail == "destroyed (hvmtool destroy)");
}

// A child process holds a running domain and writes its store entries; the
// parent lists it, reads its store through the snapshot, and destroys it by
// name. The child gets SIGTERM, destroys its domain, and exits 42.
BOOST_AUTO_TEST_CASE(destroy_by_name_in_another_process) {
  Env env;
  env.platform->list_domains();
  const fs::path dir = env.platform->registry_dir();
  int ready[2];
  BOOST_REQUIRE(::pipe(ready) == 0);

  pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    int rc = 1;
    try {
      boost::asio::io_context io;
      CaptureLogger log;
      KvmOptions o;
      o.registry_dir = dir;
      KvmPlatform p(io, log, o);
      DomainCreateInfo info;
      info.name = "child-dom";
      info.max_memory = 16ull << 20;
      auto d = p.create_domain(info);
      d->populate_physmap(0, 0xA0, 0);
      d->populate_physmap(0xC0, 0x1000 - 0xC0, 0);
      start_multi32(*d, 7);
      const std::string base = "/local/domain/" + std::to_string(d->id());
      p.store().transact([&](StoreTransaction& t) {
        t.write(base + "/name", "child-dom");
        t.write(base + "/memory/target", "16384");
        t.set_permissions(base, {{d->id(), 'n'}, {0, 'r'}});
      });
      boost::asio::signal_set sigs(io, SIGTERM);
      sigs.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        d.reset();  // the rollback: destroys the domain, frees its entry
        rc = 42;
      });
      d->unpause();
      char c = 'r';
      if (::write(ready[1], &c, 1) != 1) _exit(3);
      io.run_for(30s);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      rc = 2;
    }
    _exit(rc);
  }

  ::close(ready[1]);
  char c = 0;
  BOOST_REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);

  auto list = env.platform->list_domains();
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].name == "child-dom");
  BOOST_TEST(list[0].owner_pid == child);
  BOOST_TEST(list[0].state == "running");
  const std::string base = "/local/domain/" + std::to_string(list[0].id);

  // The platform's store answers for the child's domain from its snapshot
  // (the snapshot rules themselves: tests/platforms_common/live_domains_test).
  BOOST_TEST(env.platform->store().read(base + "/name").value_or("") == "child-dom");
  BOOST_CHECK_THROW(env.platform->store().transact([&](StoreTransaction& t) { t.write(base + "/x", "1"); }),
                    PlatformError);

  env.platform->destroy_domain("child-dom");
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 42);
  BOOST_TEST(env.platform->list_domains().empty());
  BOOST_TEST(!fs::exists(dir / (std::to_string(list[0].id) + ".store")));
}

HVMTOOL_KVM_TEST_MAIN(true)
