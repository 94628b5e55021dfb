// The live-domain registry: ids, names, a second view of the same directory,
// stale entries, and where each platform kind keeps its directory.

#define BOOST_TEST_MODULE registry
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "hvmtool/error.hpp"
#include "platforms_common/error_of.hpp"
#include "hvmtool_platforms/registry.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace hvmtool::platforms;
using hvmtool::test::error_of;
namespace fs = std::filesystem;

namespace {

int dead_pid() {
  pid_t p = fork();
  if (p == 0) _exit(0);
  int st;
  waitpid(p, &st, 0);
  return p;
}

void write_entry(const fs::path& dir, const RegistryEntry& e) {
  std::ofstream out(dir / (std::to_string(e.id) + ".domain"));
  out << format_entry(e);
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(ids_names_and_a_second_view) {
  test::TempDir tmp;
  Registry reg(tmp.path() / "kvm", "kvm");
  const DomainId a = reg.allocate("reg-a", 16ull << 20, 1);
  const DomainId b = reg.allocate("reg-b", 32ull << 20, 2);
  BOOST_TEST(a >= 1u);
  BOOST_TEST(a != b);

  // Another object over the same directory: what `hvmtool list` sees.
  Registry other(tmp.path() / "kvm", "kvm");
  auto list = other.summaries();
  BOOST_REQUIRE(list.size() == 2u);
  BOOST_TEST(list[0].name == "reg-a");
  BOOST_TEST(list[0].id == a);
  BOOST_TEST(list[0].memory == (16ull << 20));
  BOOST_TEST(list[0].vcpus == 1u);
  BOOST_TEST(list[0].state == "paused");
  BOOST_TEST(list[0].owner_pid == ::getpid());
  BOOST_TEST(list[1].name == "reg-b");
  BOOST_TEST(list[1].vcpus == 2u);

  // The raw file: what a process without the plugin would read.
  const std::string text = test::slurp(reg.entry_path(b));
  BOOST_TEST(text.find("name=reg-b\n") != std::string::npos);
  BOOST_TEST(text.find("pid=" + std::to_string(::getpid()) + "\n") != std::string::npos);
  BOOST_TEST(text.find("memory=33554432\n") != std::string::npos);

  // Names are unique among live domains, and say which platform refused them.
  BOOST_TEST(
      error_of([&] { other.allocate("reg-a", 1, 1); }).starts_with("kvm: a domain named 'reg-a' already exists"));
  BOOST_TEST(error_of([&] { other.allocate("123", 1, 1); }) ==
             "kvm: domain name '123' is a number, which would be taken for a domain id");
  BOOST_TEST(error_of([&] { other.allocate("has space", 1, 1); }) ==
             "kvm: domain name 'has space' may not contain spaces, control characters or '/'");
  BOOST_TEST(error_of([&] { other.allocate("", 1, 1); }) == "kvm: a domain needs a name");

  // Ids are not reused right away.
  reg.remove(a);
  const DomainId c = reg.allocate("reg-c", 16ull << 20, 1);
  BOOST_TEST(c != a);
  BOOST_TEST(other.list().size() == 2u);

  // State follows update().
  reg.update(c, "running", 16ull << 20, 1);
  BOOST_TEST(other.find("reg-c")->state == "running");
  BOOST_TEST(other.find(std::to_string(c))->name == "reg-c");
  BOOST_TEST(!other.find("reg-a"));
}

BOOST_AUTO_TEST_CASE(stale_entries_are_reclaimed) {
  test::TempDir tmp;
  Registry reg(tmp.path() / "emu", "emu");
  RegistryEntry e;
  e.id = 77;
  e.name = "ghost";
  e.pid = dead_pid();
  e.memory = 1;
  e.vcpus = 1;
  e.state = "running";
  write_entry(reg.dir(), e);
  {
    std::ofstream snap(reg.store_path(77));
    snap << "/local/domain/77\tn0\t\n";
  }
  // A live pid whose start time does not match: the pid was reused.
  RegistryEntry reused = e;
  reused.id = 78;
  reused.name = "reused";
  reused.pid = ::getpid();
  reused.pid_start = Registry::process_start_time(::getpid()) + 1;
  write_entry(reg.dir(), reused);

  BOOST_TEST(reg.list().empty());
  BOOST_TEST(!fs::exists(reg.entry_path(77)));
  BOOST_TEST(!fs::exists(reg.store_path(77)));
  BOOST_TEST(!fs::exists(reg.entry_path(78)));
  // The names are free again.
  BOOST_TEST(reg.allocate("ghost", 1, 1) >= 1u);
  BOOST_TEST(reg.allocate("reused", 1, 1) >= 1u);
}

// allocate() checks a name through its link (<name>.name -> id), not by
// reading every entry: the link must follow the entry's life.
BOOST_AUTO_TEST_CASE(a_name_link_says_which_entry_holds_the_name) {
  test::TempDir tmp;
  Registry reg(tmp.path() / "kvm", "kvm");
  const DomainId a = reg.allocate("held", 1, 1);
  BOOST_TEST(fs::read_symlink(reg.name_path("held")) == fs::path(std::to_string(a)));
  reg.remove(a);
  BOOST_TEST(!fs::is_symlink(reg.name_path("held")));
  const DomainId b = reg.allocate("held", 1, 1);
  BOOST_TEST(fs::read_symlink(reg.name_path("held")) == fs::path(std::to_string(b)));

  // Removing another entry that carries the same name (an old holder) leaves
  // the current holder's link alone.
  RegistryEntry old;
  old.id = 91;
  old.name = "held";
  old.pid = ::getpid();
  old.pid_start = Registry::process_start_time(::getpid());
  write_entry(reg.dir(), old);
  reg.remove(91);
  BOOST_TEST(!fs::exists(reg.entry_path(91)));
  BOOST_TEST(fs::read_symlink(reg.name_path("held")) == fs::path(std::to_string(b)));
  BOOST_TEST(error_of([&] { reg.allocate("held", 1, 1); }).starts_with("kvm: a domain named 'held' already exists"));

  // A holder whose process died frees the name, and its files go.
  RegistryEntry dead = old;
  dead.id = 90;
  dead.name = "dead";
  dead.pid = dead_pid();
  write_entry(reg.dir(), dead);
  fs::create_symlink("90", reg.name_path("dead"));
  const DomainId c = reg.allocate("dead", 1, 1);
  BOOST_TEST(c != 90u);
  BOOST_TEST(!fs::exists(reg.entry_path(90)));
  BOOST_TEST(fs::read_symlink(reg.name_path("dead")) == fs::path(std::to_string(c)));

  // A link to no entry, or to an entry of another name, holds nothing.
  fs::create_symlink("4242", reg.name_path("dangling"));
  fs::create_symlink(std::to_string(b), reg.name_path("borrowed"));
  BOOST_TEST(reg.allocate("dangling", 1, 1) >= 1u);
  BOOST_TEST(reg.allocate("borrowed", 1, 1) >= 1u);
  BOOST_TEST(reg.list().size() == 4u);  // held, dead, dangling, borrowed
}

BOOST_AUTO_TEST_CASE(each_platform_kind_has_its_own_directory) {
  test::TempDir tmp;
  const std::string root = (tmp.path() / "root").string();
  {
    ScopedEnv k("HVMTOOL_KVM_REGISTRY", (tmp.path() / "mine").c_str());
    ScopedEnv r("HVMTOOL_REGISTRY_ROOT", root.c_str());
    BOOST_TEST(Registry::default_dir("kvm") == tmp.path() / "mine");  // the per-kind variable wins
    BOOST_TEST(Registry::default_dir("emu") == fs::path(root) / "emu");
  }
  ScopedEnv k("HVMTOOL_KVM_REGISTRY", nullptr);
  ScopedEnv e("HVMTOOL_EMU_REGISTRY", nullptr);
  ScopedEnv r("HVMTOOL_REGISTRY_ROOT", nullptr);
  const fs::path kvm = Registry::default_dir("kvm"), emu = Registry::default_dir("emu");
  BOOST_TEST(kvm.filename() == "kvm");
  BOOST_TEST(emu.filename() == "emu");
  BOOST_TEST(kvm.parent_path() == emu.parent_path());
}

BOOST_AUTO_TEST_CASE(an_unusable_directory_is_one_clear_line) {
  BOOST_TEST(error_of([] { Registry("/dev/null/emu", "emu"); }) ==
             "emu: domain registry /dev/null/emu cannot be created or written (set params.emu.registry_dir or "
             "HVMTOOL_EMU_REGISTRY)");
}
