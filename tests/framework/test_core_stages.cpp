#define BOOST_TEST_MODULE core_stages
#include <boost/test/unit_test.hpp>

#include "plugin/plugin_loader.hpp"
#include "runner/domain_run.hpp"
#include "support/recording_platform.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace std::chrono_literals;

using hvmtool::test::NullLogger;

namespace {

// A build stage standing in for a builder: leaves the rings' frames and
// ports in the build state, as build_xen_pv does, so build_post has
// something to write; and keeps the uuid make left there.
class PublishRingsStage final : public Stage {
 public:
  explicit PublishRingsStage(std::shared_ptr<std::optional<Uuid>> uuid) : uuid_(std::move(uuid)) {}
  std::string_view name() const override { return "publish"; }
  void async_run(StageContext& ctx, Completion done) override {
    *uuid_ = ctx.state.uuid;
    ctx.state.store = {0xfeffc, 21};
    ctx.state.console = {0xfefff, 22};
    done(nullptr);
  }

 private:
  std::shared_ptr<std::optional<Uuid>> uuid_;
};

std::string uuid_text(const Uuid& u) {
  std::string s;
  for (std::size_t i = 0; i < u.size(); ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += kHex[u[i] >> 4];
    s += kHex[u[i] & 15];
  }
  return s;
}

struct CoreFixture {
  boost::asio::io_context io;
  boost::asio::thread_pool workers{1};
  std::shared_ptr<test::CallLog> calls = std::make_shared<test::CallLog>();
  std::shared_ptr<test::RecordingPlatform> platform;
  PluginLoader loader{{test::build_dir() / "plugins"}};
  NullLogger log;
  PluginParams no_params;
  std::shared_ptr<std::optional<Uuid>> uuid_at_build = std::make_shared<std::optional<Uuid>>();

  CoreFixture() {
    test::RecordingOptions o;
    o.event_on_unpause = ShutdownReason::poweroff;
    platform = std::make_shared<test::RecordingPlatform>(io, calls, o);
  }
  ~CoreFixture() { workers.join(); }

  ResolvedPipeline pipeline() {
    ResolvedPipeline p;
    p.platform = platform;
    for (StageSlot slot : kStageOrder) {
      const std::size_t i = index_of(slot);
      if (slot == StageSlot::build) {
        p.stages[i] = std::make_shared<PublishRingsStage>(uuid_at_build);
        p.plugin_names[i] = "publish";
      } else {
        std::string plugin = slot == StageSlot::bootloader ? "none" : "core";
        p.stages[i] = loader.create_stage(plugin, slot, no_params);
        p.plugin_names[i] = plugin;
      }
    }
    return p;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(core_stages_create_write_the_store_run_and_tear_down) {
  CoreFixture f;
  DomainConfig c;
  c.name = "web";
  c.memory = 256ull << 20;
  c.maxmem = 512ull << 20;
  c.vcpus = 2;
  c.maxvcpus = 4;
  std::optional<RunResult> result;
  std::map<std::string, std::string> store_while_running;
  std::map<std::string, std::vector<StorePermission>> perms_while_running;
  auto run = std::make_shared<DomainRun>(f.io, f.workers, c, f.pipeline(), f.log, ConsoleSink{});
  run->start([&](const RunResult& r) { result = r; });
  // Capture the store as soon as unpause has happened and before teardown:
  // poll on the io_context between handlers.
  while (!result && f.io.run_one_for(5s)) {
    if (f.calls->contains("unpause 1") && store_while_running.empty()) {
      store_while_running = f.platform->memory_store().snapshot();
      perms_while_running = f.platform->memory_store().permissions();
    }
  }
  BOOST_REQUIRE(result);
  BOOST_TEST(to_string(result->outcome) == "poweroff");

  const auto& s = store_while_running;
  BOOST_TEST(s.at("/local/domain/1/name") == "web");
  BOOST_TEST(s.at("/local/domain/1/domid") == "1");
  const std::string vm = s.at("/local/domain/1/vm");
  // make's uuid, handed to the later stages in the build state.
  BOOST_REQUIRE(*f.uuid_at_build);
  BOOST_TEST(vm == "/vm/" + uuid_text(**f.uuid_at_build));
  BOOST_TEST(s.at(vm + "/name") == "web");
  BOOST_TEST(s.at("/local/domain/1/memory/static-max") == "524288");
  BOOST_TEST(s.at("/local/domain/1/memory/target") == "262144");
  BOOST_TEST(s.at("/local/domain/1/cpu/1/availability") == "online");
  BOOST_TEST(s.at("/local/domain/1/cpu/3/availability") == "offline");
  BOOST_TEST(s.at("/local/domain/1/store/ring-ref") == std::to_string(0xfeffc));
  BOOST_TEST(s.at("/local/domain/1/console/ring-ref") == std::to_string(0xfefff));
  BOOST_TEST(s.at("/local/domain/1/store/port") == "21");
  BOOST_TEST(s.at("/local/domain/1/console/port") == "22");

  // Limits set by build_pre, domain introduced by build_post.
  BOOST_TEST(f.calls->contains("set_max_vcpus 4"));
  BOOST_TEST(f.calls->contains("set_max_memory " + std::to_string(512ull << 20)));
  BOOST_TEST(f.platform->memory_store().introduced() == std::vector<DomainId>{1});

  // The domain's directory is dom0-owned and guest-readable; data/ is the guest's.
  const auto& dom_perms = perms_while_running.at("/local/domain/1");
  BOOST_REQUIRE_EQUAL(dom_perms.size(), 2u);
  BOOST_TEST(dom_perms[0].domid == 0u);
  BOOST_TEST(dom_perms[0].access == 'n');
  BOOST_TEST(dom_perms[1].domid == 1u);
  BOOST_TEST(dom_perms[1].access == 'r');
  const auto& data_perms = perms_while_running.at("/local/domain/1/data");
  BOOST_REQUIRE_EQUAL(data_perms.size(), 1u);
  BOOST_TEST(data_perms[0].domid == 1u);

  // Teardown removed every path the domain got.
  BOOST_TEST(f.platform->memory_store().snapshot().count("/local/domain/1/name") == 0);
  BOOST_TEST(f.platform->memory_store().snapshot().count(vm) == 0);
  BOOST_TEST(f.calls->entries().back() == "destroy 1");
}

BOOST_AUTO_TEST_CASE(none_bootloader_rejects_an_unreadable_kernel) {
  CoreFixture f;
  DomainConfig c;
  c.name = "k";
  c.type = DomainType::pvh;
  c.kernel = "/nonexistent/vmlinuz";
  std::optional<RunResult> result;
  auto run = std::make_shared<DomainRun>(f.io, f.workers, c, f.pipeline(), f.log, ConsoleSink{});
  run->start([&](const RunResult& r) { result = r; });
  f.io.run_for(5s);
  BOOST_REQUIRE(result);
  BOOST_TEST(to_string(result->outcome) == "failed");
  BOOST_TEST(result->message ==
             "stage bootloader (none) failed: domain.kernel: /nonexistent/vmlinuz: No such file or directory");
  BOOST_TEST(f.calls->entries().back() == "destroy 1");
}
