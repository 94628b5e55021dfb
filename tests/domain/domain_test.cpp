// Real guests on every platform this machine has (test_platforms.hpp: emu
// always, kvm where /dev/kvm exists): console bytes, shutdown events, vCPU
// control, teardown without leaks. One body per case, the same assertions on
// each platform.

#define BOOST_TEST_MODULE domain
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <malloc.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "hvmtool/error.hpp"
#include "test_platforms.hpp"

using namespace hvmtool;
using namespace hvmtool::test;
using namespace std::chrono_literals;
namespace bdata = boost::unit_test::data;

namespace {

template <typename Pred>
bool wait_for(Pred p, std::chrono::milliseconds timeout = 10s) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return p();
}

// A joined thread can stay listed in /proc/self/task for a moment: the
// kernel reaps it after waking the joiner (seen under nested TCG).
bool threads_settle_to(std::size_t n) {
  return wait_for([n] { return count_threads() == n; }, 2s);
}

int reason(const DomainEvent& e) { return static_cast<int>(e.reason); }
int reason(ShutdownReason r) { return static_cast<int>(r); }

}  // namespace

BOOST_DATA_TEST_CASE(real_mode_hello_at_7c00, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("rm-hello");
  load_image(*d, 0x7C00, load_guest("hello16.bin"));
  d->set_vcpu_context(0, VcpuContext::real_mode(0x0000, 0x7C00));
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST((ev->kind == DomainEvent::Kind::shutdown));
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(ev->detail == "port 0x604 SLP_EN");
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "hello from real mode\n");
  BOOST_TEST(env.console.text(ConsoleChannel::serial).empty());
}

BOOST_DATA_TEST_CASE(real_mode_from_reset_vector_f000_fff0, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("rm-reset");
  load_image(*d, 0x7C00, load_guest("hello16.bin"));
  // At F000:FFF0 (0xFFFF0): ljmp $0x0000, $0x7c00
  const std::vector<std::byte> stub = {std::byte{0xEA}, std::byte{0x00}, std::byte{0x7C}, std::byte{0x00},
                                       std::byte{0x00}};
  load_image(*d, 0xFFFF0, stub);
  d->set_vcpu_context(0, VcpuContext::real_mode(0xF000, 0xFFF0));
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "hello from real mode\n");
}

BOOST_DATA_TEST_CASE(flat32_hello_prints_ebx, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("flat32-hello");
  start_multi32(*d, 0, 0xCAFEF00D);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(ev->detail == "port 0x604 SLP_EN");
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "hello from flat32, ebx=0xcafef00d\n");
  BOOST_TEST(kind->state(*d) == "shutdown");
}

BOOST_DATA_TEST_CASE(long_mode_entry, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("long-mode");
  // Identity map of the first 1 GiB with 2 MiB pages: PML4 0x1000, PDPT 0x2000, PD 0x3000.
  auto pt = d->map(0x1000, 0x3000);
  auto* q = reinterpret_cast<std::uint64_t*>(pt.data());
  std::memset(pt.data(), 0, pt.size());
  q[0] = 0x2000 | 0x3;
  q[512] = 0x3000 | 0x3;
  for (std::uint64_t i = 0; i < 512; ++i) q[1024 + i] = (i << 21) | 0x83;
  // GDT at 0x500: null, 64-bit code (0x08), data (0x10).
  auto gdt = d->map(0x500, 24);
  const std::uint64_t descs[3] = {0, 0x00AF9A000000FFFFull, 0x00CF92000000FFFFull};
  std::memcpy(gdt.data(), descs, sizeof descs);
  // mov dx,0xe9; mov al,'6'; out dx,al; mov al,'4'; out; mov al,'\n'; out;
  // mov dx,0x604; mov ax,0x2000; out dx,ax; hlt
  const unsigned char code[] = {0x66, 0xBA, 0xE9, 0x00, 0xB0, '6',  0xEE, 0xB0, '4',  0xEE, 0xB0, '\n',
                                0xEE, 0x66, 0xBA, 0x04, 0x06, 0x66, 0xB8, 0x00, 0x20, 0x66, 0xEF, 0xF4};
  std::vector<std::byte> image(sizeof code);
  std::memcpy(image.data(), code, sizeof code);
  load_image(*d, 0x200000, image);
  d->set_vcpu_context(0, VcpuContext::long_mode(0x200000, 0x1000, DescriptorTable{0x500, 23}, 0x08, 0x10));
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "64\n");
}

BOOST_DATA_TEST_CASE(string_io_and_seabios_port, bdata::make(test_platforms()), kind) {
  {
    PlatformEnv env(*kind);
    auto d = env.make_domain("outsb");
    start_multi32(*d, 9);
    auto ev = env.run(*d);
    BOOST_REQUIRE(ev);
    BOOST_TEST(env.console.text(ConsoleChannel::debug) == "rep outsb to the debug port\n");
  }
  {
    PlatformEnv env(*kind);
    auto d = env.make_domain("seabios");
    start_multi32(*d, 10);
    auto ev = env.run(*d);
    BOOST_REQUIRE(ev);
    BOOST_TEST(env.console.text(ConsoleChannel::firmware_debug) == "seabios debug port\n");
    BOOST_TEST(env.console.text(ConsoleChannel::debug).empty());
  }
}

BOOST_DATA_TEST_CASE(uart_probe_and_serial_console, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("uart");
  start_multi32(*d, 5);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(env.console.text(ConsoleChannel::serial) == "uart: scratch ok, loopback ok, fifo ok\n");
  BOOST_TEST(kind->unhandled_accesses(*d) == 0u);
}

BOOST_DATA_TEST_CASE(cpuid_hypervisor_leaf, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("cpuid");
  start_multi32(*d, 8);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  std::string sig = env.console.text(ConsoleChannel::debug);
  BOOST_TEST_MESSAGE(kind << ": CPUID 0x40000000 signature: '" << sig.substr(0, 11) << "'");
  BOOST_TEST(sig == kind->cpuid_signature() + "\n");
}

BOOST_DATA_TEST_CASE(vga_hole_is_not_ram, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("vga");
  BOOST_CHECK_THROW(d->map(0xA0000, 1), PlatformError);
  BOOST_CHECK_THROW(d->map(0x9F000, 0x2000), PlatformError);  // runs into the hole
  BOOST_CHECK_THROW(d->map(0xBF000, 0x2000), PlatformError);  // comes out of it
  BOOST_CHECK_NO_THROW(d->map(0x9F000, 0x1000));
  BOOST_CHECK_NO_THROW(d->map(0xC0000, 0x1000));
  BOOST_CHECK_THROW(d->map((128ull << 20) - 0x1000, 0x2000), PlatformError);  // past the end of RAM
  start_multi32(*d, 6);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);  // the VMM survived the MMIO read
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "vga=0xffffffff\n");
  BOOST_TEST(kind->unhandled_accesses(*d) >= 1u);
  BOOST_TEST(env.log.count_containing("unhandled MMIO read 0xa0000 size 4") == 1u);
}

BOOST_DATA_TEST_CASE(garbage_guest_is_survived, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("garbage");
  start_multi32(*d, 4);
  auto t0 = std::chrono::steady_clock::now();
  auto ev = env.run(*d, 60s);
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "survived\n");
  const auto n = kind->unhandled_accesses(*d);
  const auto logged = env.log.count_containing("unhandled ");
  BOOST_TEST_MESSAGE(kind << ": garbage guest: " << kind->exits(*d) << " exits, " << n << " unhandled accesses, "
                          << logged << " log lines, " << secs << " s");
  BOOST_TEST(n > 1000u);
  // Rate limited: at most 20 lines a second (+ the "not logged" summaries).
  BOOST_TEST(logged <= 22u * (static_cast<std::size_t>(secs) + 2));
}

BOOST_DATA_TEST_CASE(triple_fault_is_reboot, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("triple");
  start_multi32(*d, 3);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::reboot));
  BOOST_TEST(ev->detail == "triple fault");
}

BOOST_DATA_TEST_CASE(pvpanic_is_crash, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("pvpanic");
  start_multi32(*d, 2);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::crash));
  BOOST_TEST(ev->detail == "pvpanic (port 0x505 value 0x1)");
}

BOOST_DATA_TEST_CASE(reset_port_is_reboot, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("cf9");
  start_multi32(*d, 1);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::reboot));
  BOOST_TEST(ev->detail == "port 0xcf9 reset");
}

BOOST_DATA_TEST_CASE(event_before_handler_is_delivered_later, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("late-handler");
  start_multi32(*d, 0, 0x1234);
  d->unpause();
  BOOST_REQUIRE(wait_for([&] { return kind->state(*d) == "shutdown"; }));
  std::optional<DomainEvent> got;
  d->set_event_handler([&](const DomainEvent& e) { got = e; });
  env.io.restart();
  env.io.run();  // the posted event is the only work
  BOOST_REQUIRE(got);
  BOOST_TEST(reason(*got) == reason(ShutdownReason::poweroff));
}

BOOST_DATA_TEST_CASE(pause_stops_vcpus_and_unpause_resumes, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("spin");
  start_multi32(*d, 7);
  d->unpause();
  BOOST_REQUIRE(wait_for([&] { return read_u32(*d, 0x500) > 1000; }));
  d->pause();
  BOOST_TEST(kind->state(*d) == "paused");
  const auto c1 = read_u32(*d, 0x500);
  std::this_thread::sleep_for(50ms);
  BOOST_TEST(read_u32(*d, 0x500) == c1);
  // A paused domain accepts a new context, and memory can be added.
  BOOST_CHECK_NO_THROW(d->populate_physmap(0xA0, 1, 0));
  d->unpause();
  BOOST_TEST(wait_for([&] { return read_u32(*d, 0x500) > c1 + 1000; }));
  BOOST_CHECK_THROW(d->set_vcpu_context(0, VcpuContext::flat32(0x100000, 0)), PlatformError);
  for (int i = 0; i < 20; ++i) {  // pause/unpause storms are fine
    d->pause();
    d->unpause();
  }
  d->destroy();  // while running
  BOOST_TEST(kind->state(*d) == "destroyed");
  BOOST_TEST(kind->live_threads(*d) == 0u);
  d->destroy();  // idempotent
}

BOOST_DATA_TEST_CASE(ram_populated_while_running_reaches_the_guest, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  DomainCreateInfo info;
  info.name = "late-ram";
  info.max_memory = 16ull << 20;
  info.console = env.console.sink();
  auto d = env.platform->create_domain(info);
  d->populate_physmap(0, 0xA0, 0);
  d->populate_physmap(0xC0, 0x800 - 0xC0, 0);  // RAM up to 8 MiB for now
  // 1: cmp dword [0x600], 0; je 1b; mov dword [0x800000], 0x12345678;
  //    mov eax, [0x800000]; cmp eax, 0x12345678; jne 2f; poweroff (0x604);
  // 2: pvpanic (0x505)
  const unsigned char code[] = {0x83, 0x3D, 0x00, 0x06, 0x00, 0x00, 0x00, 0x74, 0xF7, 0xC7, 0x05, 0x00, 0x00,
                                0x80, 0x00, 0x78, 0x56, 0x34, 0x12, 0xA1, 0x00, 0x00, 0x80, 0x00, 0x3D, 0x78,
                                0x56, 0x34, 0x12, 0x75, 0x0C, 0x66, 0xBA, 0x04, 0x06, 0x66, 0xB8, 0x00, 0x20,
                                0x66, 0xEF, 0xF4, 0x90, 0x66, 0xBA, 0x05, 0x05, 0xB0, 0x01, 0xEE, 0xF4};
  std::memcpy(d->map(0x100000, sizeof code).data(), code, sizeof code);
  d->set_vcpu_context(0, VcpuContext::flat32(0x100000, 0));
  d->unpause();
  std::this_thread::sleep_for(20ms);  // spinning on the flag
  BOOST_REQUIRE(d->populate_physmap(0x800, 1, 0) == 1u);
  auto flag = d->map(0x600, 4);
  const std::uint32_t one = 1;
  std::memcpy(flag.data(), &one, 4);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));  // not pvpanic: it read back what it wrote
  BOOST_TEST(ev->detail == "port 0x604 SLP_EN");
  BOOST_TEST(read_u32(*d, 0x800000) == 0x12345678u);  // and the host sees the same bytes
}

BOOST_DATA_TEST_CASE(two_vcpus_with_contexts_both_run, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("smp-spin", 32ull << 20, 2);
  // vCPU 0: 1: incl [0x500]; jmp 1b    vCPU 1: the same on [0x504]
  load_image(*d, 0x100000,
             {std::byte{0xFF}, std::byte{0x05}, std::byte{0x00}, std::byte{0x05}, std::byte{0x00}, std::byte{0x00},
              std::byte{0xEB}, std::byte{0xF8}});
  load_image(*d, 0x100010,
             {std::byte{0xFF}, std::byte{0x05}, std::byte{0x04}, std::byte{0x05}, std::byte{0x00}, std::byte{0x00},
              std::byte{0xEB}, std::byte{0xF8}});
  d->set_vcpu_context(0, VcpuContext::flat32(0x100000, 0));
  d->set_vcpu_context(1, VcpuContext::flat32(0x100010, 0));
  d->unpause();
  BOOST_TEST(wait_for([&] { return read_u32(*d, 0x500) > 100000 && read_u32(*d, 0x504) > 100000; }));
  d->pause();
  const auto a = read_u32(*d, 0x500), b = read_u32(*d, 0x504);
  std::this_thread::sleep_for(20ms);
  BOOST_TEST(read_u32(*d, 0x500) == a);  // both stopped
  BOOST_TEST(read_u32(*d, 0x504) == b);
  d->destroy();
  BOOST_TEST(kind->live_threads(*d) == 0u);
}

BOOST_DATA_TEST_CASE(pause_and_destroy_from_the_console_sink, bdata::make(test_platforms()), kind) {
  // The console sink runs on a vCPU thread; calling back into the domain
  // from there must neither deadlock nor crash.
  PlatformEnv env(*kind);
  const std::string prefix(kind->name());
  Domain* self = nullptr;
  std::atomic<int> bytes{0};
  std::atomic<bool> paused{false};
  DomainCreateInfo info;
  info.name = "sink-pause";
  info.max_memory = 16ull << 20;
  info.console = [&](ConsoleChannel, std::string_view) {
    if (bytes++ == 0) {
      self->pause();
      paused = true;
    }
  };
  auto d = env.platform->create_domain(info);
  self = d.get();
  d->populate_physmap(0, 0xA0, 0);
  d->populate_physmap(0xC0, 0x1000 - 0xC0, 0);
  start_multi32(*d, 0);
  d->unpause();
  BOOST_REQUIRE(wait_for([&] { return paused.load(); }));
  std::this_thread::sleep_for(20ms);
  BOOST_TEST(bytes.load() == 1);  // paused after its first byte
  BOOST_TEST(kind->state(*d) == "paused");
  d->unpause();
  BOOST_REQUIRE(wait_for([&] { return kind->state(*d) == "shutdown"; }));
  BOOST_TEST(bytes.load() == static_cast<int>(std::string("hello from flat32, ebx=0x00000000\n").size()));

  info.name = "sink-destroy";
  info.console = [&](ConsoleChannel, std::string_view) {
    if (bytes++ == 0) self->destroy();
  };
  bytes = 0;
  auto e = env.platform->create_domain(info);
  self = e.get();
  e->populate_physmap(0, 0xA0, 0);
  e->populate_physmap(0xC0, 0x1000 - 0xC0, 0);
  start_multi32(*e, 0);
  e->unpause();
  BOOST_REQUIRE(wait_for([&] { return kind->state(*e) == "destroyed"; }));
  BOOST_TEST(wait_for([&] { return count_vcpu_threads(prefix) == 1u; }));  // only sink-pause's vCPU is left
  BOOST_TEST(bytes.load() == 1);
  d.reset();
  BOOST_TEST(wait_for([&] { return count_vcpu_threads(prefix) == 0u; }));
}

BOOST_DATA_TEST_CASE(nothing_leaks, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  const std::string prefix(kind->name());
  env.platform->check_available();
  // Warm up: thread-local/static state, first-use allocations. glibc keeps
  // two things after threads end that are not ours to free: the stacks of
  // ended threads (cached for reuse: warm up with as many threads as the
  // test runs at once) and malloc arenas created by threads that met
  // contention (never unmapped: allow no new ones).
  mallopt(M_ARENA_MAX, 1);
  {
    auto d = env.make_domain("warmup", 32ull << 20, 2);
    start_multi32(*d, 0);
    BOOST_REQUIRE(env.run(*d));
  }
  // A vCPU thread that handled the poweroff itself ends on its own, shortly
  // after destroy(): the baseline is taken once it has (seen on real KVM).
  BOOST_REQUIRE(wait_for([&] { return count_vcpu_threads(prefix) == 0u; }));
  const auto fds = count_fds(), threads = count_threads(), maps = count_mappings();
  const std::string maps_before = mappings();
  const auto platform_maps = kind->count_domain_mappings();

  {  // created, run to poweroff, destroyed explicitly (2 vCPUs: the AP waits for SIPI)
    auto d = env.make_domain("leak-run", 64ull << 20, 2);
    start_multi32(*d, 0);
    auto ev = env.run(*d);
    BOOST_REQUIRE(ev);
    BOOST_TEST(count_vcpu_threads(prefix) == 2u);
    BOOST_TEST(kind->count_domain_mappings() >= platform_maps + kind->mappings_per_domain());
    d->destroy();
    BOOST_TEST(count_fds() == fds);
    BOOST_TEST(threads_settle_to(threads));
    BOOST_TEST(kind->count_domain_mappings() == platform_maps);
    if (!sanitized()) {
      BOOST_TEST(count_mappings() == maps);
      BOOST_TEST(new_mappings(maps_before) == "");
    }
  }
  {  // never unpaused
    auto d = env.make_domain("leak-paused");
    start_multi32(*d, 0);
    d->destroy();
  }
  {  // running, destroyed by the Domain destructor
    auto d = env.make_domain("leak-dtor", 32ull << 20);
    start_multi32(*d, 7);
    d->unpause();
    BOOST_REQUIRE(wait_for([&] { return read_u32(*d, 0x500) > 0; }));
  }
  BOOST_TEST(count_fds() == fds);
  BOOST_TEST(threads_settle_to(threads));
  BOOST_TEST(kind->count_domain_mappings() == platform_maps);
  if (!sanitized()) {
    BOOST_TEST(count_mappings() == maps);
    BOOST_TEST(new_mappings(maps_before) == "");
  }
  BOOST_TEST(env.platform->list_domains().empty());
  BOOST_TEST(!std::filesystem::exists(kind->registry_dir(*env.platform) / "1.domain"));
}

BOOST_DATA_TEST_CASE(two_domains_at_once, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  ConsoleCapture c1, c2;
  auto a = env.make_domain("twin-a", 64ull << 20, 1, &c1);
  auto b = env.make_domain("twin-b", 64ull << 20, 1, &c2);
  BOOST_TEST(a->id() != b->id());
  start_multi32(*a, 0, 0xAAAA0001);
  start_multi32(*b, 0, 0xBBBB0002);
  int done = 0;
  std::optional<DomainEvent> ea, eb;
  // What `hvmtool list` says when the event arrives.
  std::string listed_a, listed_b;
  auto listed = [&](const std::string& name) {
    for (const auto& s : env.platform->list_domains())
      if (s.name == name) return s.state;
    return std::string("(gone)");
  };
  a->set_event_handler([&](const DomainEvent& e) {
    ea = e;
    listed_a = listed("twin-a");
    ++done;
  });
  b->set_event_handler([&](const DomainEvent& e) {
    eb = e;
    listed_b = listed("twin-b");
    ++done;
  });
  auto work = boost::asio::make_work_guard(env.io);
  a->unpause();
  b->unpause();
  auto end = std::chrono::steady_clock::now() + 20s;
  while (done < 2 && std::chrono::steady_clock::now() < end) {
    env.io.restart();
    env.io.run_for(5ms);
  }
  BOOST_REQUIRE(ea);
  BOOST_REQUIRE(eb);
  BOOST_TEST(listed_a == "shutdown");
  BOOST_TEST(listed_b == "shutdown");
  BOOST_TEST(c1.text(ConsoleChannel::debug) == "hello from flat32, ebx=0xaaaa0001\n");
  BOOST_TEST(c2.text(ConsoleChannel::debug) == "hello from flat32, ebx=0xbbbb0002\n");
  auto list = env.platform->list_domains();
  BOOST_REQUIRE(list.size() == 2u);
  BOOST_TEST(list[0].state == "shutdown");
}

BOOST_DATA_TEST_CASE(hvm_params_and_max_vcpus, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  auto d = env.make_domain("params");
  BOOST_TEST(d->hvm_param(1) == 0u);
  d->set_hvm_param(1, 0xFEFFF);
  d->set_hvm_param(17, 42);
  BOOST_TEST(d->hvm_param(1) == 0xFEFFFu);
  BOOST_TEST(d->hvm_param(17) == 42u);
  BOOST_CHECK_THROW(d->set_vcpu_context(1, VcpuContext::flat32(0, 0)), PlatformError);
  BOOST_CHECK_THROW(d->set_max_vcpus(0), PlatformError);
  d->set_max_vcpus(2);
  BOOST_CHECK_NO_THROW(d->set_vcpu_context(1, VcpuContext::flat32(0x100000, 0)));
  BOOST_CHECK_THROW(d->set_max_vcpus(3), PlatformError);  // vCPUs exist now
}

BOOST_DATA_TEST_CASE(create_to_poweroff_time, bdata::make(test_platforms()), kind) {
  PlatformEnv env(*kind);
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  env.platform->check_available();
  auto t1 = clock::now();
  double best = 1e9, total = 0;
  double phase[4] = {0, 0, 0, 0};  // create, populate+load, run to poweroff, destroy
  const int rounds = 20;
  auto ms_since = [](clock::time_point t) {
    return std::chrono::duration<double, std::milli>(clock::now() - t).count();
  };
  for (int i = 0; i < rounds; ++i) {
    auto s = clock::now();
    ConsoleCapture c;
    DomainCreateInfo info;
    info.name = "timing";
    info.max_memory = 128ull << 20;
    info.console = c.sink();
    auto d = env.platform->create_domain(info);
    phase[0] += ms_since(s);
    auto p = clock::now();
    d->populate_physmap(0, 0xA0, 0);
    d->populate_physmap(0xC0, (128u << 8) - 0xC0, 0);
    load_image(*d, 0x7C00, load_guest("hello16.bin"));
    d->set_vcpu_context(0, VcpuContext::real_mode(0, 0x7C00));
    phase[1] += ms_since(p);
    auto r = clock::now();
    auto ev = env.run(*d);
    phase[2] += ms_since(r);
    auto x = clock::now();
    d->destroy();
    phase[3] += ms_since(x);
    double ms = ms_since(s);
    BOOST_REQUIRE(ev);
    BOOST_REQUIRE(c.text(ConsoleChannel::debug) == "hello from real mode\n");
    best = std::min(best, ms);
    total += ms;
  }
  std::cout << kind << ": platform check: " << std::chrono::duration<double, std::milli>(t1 - t0).count()
            << " ms; create + 128 MiB + run to poweroff + destroy: best " << best << " ms, mean " << total / rounds
            << " ms over " << rounds << " runs (mean create " << phase[0] / rounds << ", populate+load "
            << phase[1] / rounds << ", run " << phase[2] / rounds << ", destroy " << phase[3] / rounds << " ms)"
            << std::endl;
}
