// `hvmtool destroy` over the registry: an unknown name, a domain of this
// process (destroyed without a signal), a stray entry of ours, and a domain
// held by another process (SIGTERM, then the entry goes), whose store is read
// from its snapshot meanwhile; and an owner that does not let go.

#define BOOST_TEST_MODULE live_domains
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "hvmtool/error.hpp"
#include "platforms_common/error_of.hpp"
#include "hvmtool_platforms/embedded_store.hpp"
#include "hvmtool_platforms/live_domains.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace hvmtool::platforms;
using hvmtool::test::error_of;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A domain of this process, as far as the table is concerned: destroying it
// removes its registry entry, as a platform's destroy() does.
class OwnDomain : public LiveDomain {
 public:
  OwnDomain(Registry& reg, DomainId id) : reg_(reg), id_(id) {}
  void destroy_on_request(std::string_view why) noexcept override {
    reasons.emplace_back(why);
    reg_.remove(id_);
  }
  std::vector<std::string> reasons;

 private:
  Registry& reg_;
  DomainId id_;
};

// Forks a process that registers `name` (and its store entries), tells the
// parent through a pipe, and then waits for SIGTERM: it removes its entry and
// exits 42, or, with `stubborn`, keeps it until killed.
pid_t holder(const fs::path& dir, const std::string& name, bool stubborn) {
  int ready[2];
  BOOST_REQUIRE(::pipe(ready) == 0);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    ::sigprocmask(SIG_BLOCK, &term, nullptr);
    int rc = 1;
    try {
      Registry reg(dir, "emu");
      boost::asio::io_context io;
      EmbeddedStore store(io, dir);
      const DomainId id = reg.allocate(name, 16ull << 20, 1);
      store.add_local_domain(id);
      const std::string base = "/local/domain/" + std::to_string(id);
      store.transact([&](StoreTransaction& t) {
        t.write(base + "/name", name);
        t.write(base + "/memory/target", "16384");
        t.set_permissions(base, {{id, 'n'}, {0, 'r'}});
      });
      reg.update(id, "running", 16ull << 20, 1);
      char c = 'r';
      if (::write(ready[1], &c, 1) != 1) _exit(3);
      int sig = 0;
      ::sigwait(&term, &sig);
      if (stubborn) ::pause();  // until SIGKILL
      store.remove_local_domain(id);
      reg.remove(id);
      rc = 42;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "holder: %s\n", e.what());
      rc = 2;
    }
    _exit(rc);
  }
  ::close(ready[1]);
  char c = 0;
  BOOST_REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  return child;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_unknown_domain_is_a_clear_error) {
  test::TempDir tmp;
  Registry reg(tmp.path() / "emu", "emu");
  BOOST_TEST(error_of([&] { destroy_registered_domain(reg, "nosuch", 1s); }) ==
             "emu: no domain named or numbered 'nosuch' in " + reg.dir().string());
}

BOOST_AUTO_TEST_CASE(a_domain_of_this_process_is_destroyed_without_a_signal) {
  test::TempDir tmp;
  Registry reg(tmp.path() / "emu", "emu");
  const DomainId id = reg.allocate("mine", 16ull << 20, 1);
  auto d = std::make_shared<OwnDomain>(reg, id);
  add_live_domain(reg.dir(), id, d);
  BOOST_TEST(find_live_domain(reg.dir(), id) == d);
  BOOST_TEST(!find_live_domain(tmp.path() / "other", id));  // the table is per registry

  destroy_registered_domain(reg, std::to_string(id), 1s);  // SIGTERM to ourselves would end the test
  BOOST_TEST((d->reasons == std::vector<std::string>{"hvmtool destroy"}));
  BOOST_TEST(reg.list().empty());

  forget_live_domain(reg.dir(), id, d.get());
  BOOST_TEST(!find_live_domain(reg.dir(), id));
  // An entry of ours with no domain behind it (a crash between the two) just goes.
  const DomainId stray = reg.allocate("stray", 16ull << 20, 1);
  destroy_registered_domain(reg, "stray", 1s);
  BOOST_TEST(!reg.read(stray));
}

BOOST_AUTO_TEST_CASE(a_domain_of_another_process_by_name) {
  test::TempDir tmp;
  Registry reg(tmp.path() / "emu", "emu");
  const pid_t child = holder(reg.dir(), "child-dom", false);

  auto list = reg.summaries();
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0].name == "child-dom");
  BOOST_TEST(list[0].owner_pid == child);
  BOOST_TEST(list[0].state == "running");
  const std::string base = "/local/domain/" + std::to_string(list[0].id);

  // The child's store, through this process's store (its snapshot).
  boost::asio::io_context io;
  EmbeddedStore store(io, reg.dir());
  BOOST_TEST(store.read(base + "/name").value_or("") == "child-dom");
  BOOST_TEST(store.read(base + "/memory/target").value_or("") == "16384");
  BOOST_TEST(store.list(base).size() == 2u);
  auto top = store.list("/local/domain");
  BOOST_TEST((std::find(top.begin(), top.end(), std::to_string(list[0].id)) != top.end()));
  auto snap = read_store_snapshot(reg.dir(), list[0].id);
  BOOST_REQUIRE(snap);
  BOOST_TEST(snap->front().path == base);
  BOOST_TEST(format_permissions(snap->front().perms) == "n" + std::to_string(list[0].id) + " r0");
  // Foreign domains are read-only here.
  BOOST_TEST(error_of([&] { store.transact([&](StoreTransaction& t) { t.write(base + "/x", "1"); }); }) ==
             "store: " + base + "/x belongs to domain " + std::to_string(list[0].id) +
                 ", held by another hvmtool process; its store is read-only here");

  destroy_registered_domain(reg, "child-dom", 10s);
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 42);
  BOOST_TEST(reg.list().empty());
  BOOST_TEST(!fs::exists(reg.store_path(list[0].id)));
}

BOOST_AUTO_TEST_CASE(an_owner_that_does_not_let_go_is_reported) {
  test::TempDir tmp;
  Registry reg(tmp.path() / "emu", "emu");
  const pid_t child = holder(reg.dir(), "stuck", true);
  const auto id = reg.find("stuck")->id;
  const auto t0 = std::chrono::steady_clock::now();
  BOOST_TEST(error_of([&] { destroy_registered_domain(reg, "stuck", 200ms); }) ==
             "emu: pid " + std::to_string(child) + " was sent SIGTERM but still holds domain 'stuck' (id " +
                 std::to_string(id) + ") after 200 ms");
  BOOST_TEST((std::chrono::steady_clock::now() - t0 >= 200ms));
  ::kill(child, SIGKILL);
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  // Its owner is dead now: the entry is stale and goes with the next scan.
  BOOST_TEST(reg.list().empty());
}
