// What only the emu platform does: interrupts delivered in software (the PIT
// ticking through the PIC into real-mode and 32-bit handlers), and its
// refusals, each a crash event or an error naming the reason, never a wrong
// exit.

#define BOOST_TEST_MODULE emu_domain
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstring>
#include <thread>

#include "domain/test_platforms.hpp"
#include "hvmtool/error.hpp"

using namespace hvmtool;
using namespace hvmtool::test;
using namespace std::chrono_literals;

namespace {

int reason(const DomainEvent& e) { return static_cast<int>(e.reason); }
int reason(ShutdownReason r) { return static_cast<int>(r); }

std::vector<std::byte> bytes(std::initializer_list<unsigned> list) {
  std::vector<std::byte> out;
  for (unsigned b : list) out.push_back(static_cast<std::byte>(b));
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

BOOST_AUTO_TEST_CASE(pit_ticks_through_the_pic_in_real_mode) {
  PlatformEnv env(emu_test_platform());
  auto d = env.make_domain("ticks16");
  load_image(*d, 0x7C00, load_guest("ticks16.bin"));
  d->set_vcpu_context(0, VcpuContext::real_mode(0, 0x7C00));
  const auto t0 = std::chrono::steady_clock::now();
  auto ev = env.run(*d);
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "real mode: 20 ticks, int 0x60 ok\n");
  BOOST_TEST_MESSAGE("20 ticks at 1 kHz in " << ms << " ms");
  BOOST_TEST(ms >= 19.0);  // the PIT counts host time: 20 periods of 1 ms
}

BOOST_AUTO_TEST_CASE(pit_ticks_through_the_pic_in_32bit_mode) {
  PlatformEnv env(emu_test_platform());
  auto d = env.make_domain("ticks32");
  start_multi32(*d, 14);
  const auto t0 = std::chrono::steady_clock::now();
  auto ev = env.run(*d);
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "pit: 20 ticks, int 0x40 ok\n");
  BOOST_TEST(ms >= 19.0);
}

BOOST_AUTO_TEST_CASE(long_mode_from_a_32bit_entry_is_refused) {
  PlatformEnv env(emu_test_platform());
  auto d = env.make_domain("longmode");
  start_multi32(*d, 13);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::crash));
  BOOST_TEST_MESSAGE(ev->detail);
  BOOST_TEST(starts_with(ev->detail, "long mode needs a 64-bit entry on emu; vCPU 0 at CS:RIP 0008:"));
  BOOST_TEST(ev->detail.find("32-bit engine)") != std::string::npos);
  BOOST_TEST(env.console.text(ConsoleChannel::debug).empty());  // nothing ran as 64-bit code
}

BOOST_AUTO_TEST_CASE(halting_after_looking_for_long_mode_is_refused) {
  // What Linux's 32-bit entry does on a CPU without long mode: look, halt.
  PlatformEnv env(emu_test_platform());
  auto d = env.make_domain("no-lm");
  load_image(*d, 0x100000,
             bytes({0xB8, 0x01, 0x00, 0x00, 0x80, 0x0F, 0xA2, 0xFA, 0xF4}));  // cpuid 0x80000001; cli; hlt
  d->set_vcpu_context(0, VcpuContext::flat32(0x100000, 0));
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::crash));
  BOOST_TEST_MESSAGE(ev->detail);
  BOOST_TEST(
      starts_with(ev->detail,
                  "long mode needs a 64-bit entry on emu (the guest read CPUID 0x80000001, where a 32-bit engine "
                  "hides long mode, then halted with interrupts off); vCPU 0 at CS:RIP 0008:100009 "));
}

BOOST_AUTO_TEST_CASE(hlt_with_interrupts_off_is_poweroff) {
  PlatformEnv env(emu_test_platform());
  auto d = env.make_domain("cli-hlt");
  load_image(*d, 0x7C00, bytes({0xFA, 0xF4}));  // cli; hlt
  d->set_vcpu_context(0, VcpuContext::real_mode(0, 0x7C00));
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(ev->detail == "HLT with interrupts disabled");
}

BOOST_AUTO_TEST_CASE(invalid_opcode_is_refused_with_its_bytes) {
  PlatformEnv env(emu_test_platform());
  auto d = env.make_domain("bad-opcode");
  load_image(*d, 0x7C00, bytes({0xFF, 0xFF, 0x00, 0x01}));  // FF /7: no such instruction
  d->set_vcpu_context(0, VcpuContext::real_mode(0, 0x7C00));
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::crash));
  BOOST_TEST_MESSAGE(ev->detail);
  BOOST_TEST(starts_with(ev->detail,
                         "invalid or unimplemented instruction (bytes ff ff 00 01 00 00 00 00): Unicorn raised #UD, "
                         "which emu does not pass on for opcodes other than UD0/UD1/UD2; vCPU 0 at CS:RIP 0000:7c00 "));
}

BOOST_AUTO_TEST_CASE(ud2_goes_to_the_guests_handler) {
  PlatformEnv env(emu_test_platform());
  auto d = env.make_domain("ud2");
  // IVT[6] = 0000:7C10; at 7C00: ud2; at 7C10: mov dx,0x604; mov ax,0x2000; out dx,ax
  load_image(*d, 0x18, bytes({0x10, 0x7C, 0x00, 0x00}));
  load_image(*d, 0x7C00, bytes({0x0F, 0x0B}));
  load_image(*d, 0x7C10, bytes({0xBA, 0x04, 0x06, 0xB8, 0x00, 0x20, 0xEF, 0xF4}));
  d->set_vcpu_context(0, VcpuContext::real_mode(0, 0x7C00));
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::poweroff));
  BOOST_TEST(ev->detail == "port 0x604 SLP_EN");
}

BOOST_AUTO_TEST_CASE(access_above_ram_is_a_crash) {
  PlatformEnv env(emu_test_platform());
  auto d = env.make_domain("above-ram");
  // Long mode, identity-mapped: the first GiB and 4-5 GiB (PD at 0x4000).
  auto pt = d->map(0x1000, 0x4000);
  auto* q = reinterpret_cast<std::uint64_t*>(pt.data());
  std::memset(pt.data(), 0, pt.size());
  q[0] = 0x2000 | 0x3;
  q[512] = 0x3000 | 0x3;
  q[512 + 4] = 0x4000 | 0x3;
  for (std::uint64_t i = 0; i < 512; ++i) q[1024 + i] = (i << 21) | 0x83;
  q[1536] = 0x100000000ull | 0x83;
  const std::uint64_t descs[3] = {0, 0x00AF9A000000FFFFull, 0x00CF92000000FFFFull};
  std::memcpy(d->map(0x500, 24).data(), descs, sizeof descs);
  // mov rax, [0x100000000] (movabs); hlt
  load_image(*d, 0x200000, bytes({0x48, 0xA1, 0, 0, 0, 0, 1, 0, 0, 0, 0xF4}));
  d->set_vcpu_context(0, VcpuContext::long_mode(0x200000, 0x1000, DescriptorTable{0x500, 23}, 0x08, 0x10));
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::crash));
  BOOST_TEST_MESSAGE(ev->detail);
  BOOST_TEST(starts_with(ev->detail,
                         "guest read of unmapped guest-physical address 0x100000000 (8 bytes); vCPU 0 at CS:RIP "));
}

BOOST_AUTO_TEST_CASE(real_mode_entry_that_leaves_the_16bit_ip_range_is_refused_at_its_next_stop) {
  PlatformEnv env(emu_test_platform());
  auto d = env.make_domain("rm-to-pm");
  // cli; lgdt [0x7c20]; mov eax,cr0; or al,1; mov cr0,eax; jmp dword 0x08:0x100000
  load_image(*d, 0x7C00, bytes({0xFA, 0x0F, 0x01, 0x16, 0x20, 0x7C, 0x0F, 0x20, 0xC0, 0x0C, 0x01,
                                0x0F, 0x22, 0xC0, 0x66, 0xEA, 0x00, 0x00, 0x10, 0x00, 0x08, 0x00}));
  load_image(*d, 0x7C20, bytes({23, 0, 0x28, 0x7C, 0, 0}));  // GDTR
  const std::uint64_t gdt[3] = {0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull};
  std::memcpy(d->map(0x7C28, sizeof gdt).data(), gdt, sizeof gdt);
  // mov dword [0x500], 1; jmp .
  load_image(*d, 0x100000, bytes({0xC7, 0x05, 0x00, 0x05, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xEB, 0xFE}));
  d->set_vcpu_context(0, VcpuContext::real_mode(0, 0x7C00));
  d->unpause();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (read_u32(*d, 0x500) != 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  BOOST_REQUIRE(read_u32(*d, 0x500) == 1u);
  d->pause();             // the engine stops at EIP 0x10000a ...
  auto ev = env.run(*d);  // ... and cannot be restarted there
  BOOST_REQUIRE(ev);
  BOOST_TEST(reason(*ev) == reason(ShutdownReason::crash));
  BOOST_TEST_MESSAGE(ev->detail);
  BOOST_TEST(starts_with(ev->detail,
                         "a 16-bit engine cannot resume at an IP above 0xffff (Unicorn would restart at IP & 0xffff): "
                         "this guest needs a 32-bit entry on emu; vCPU 0 at CS:RIP 0008:10000a "));
}

BOOST_AUTO_TEST_CASE(contexts_emu_cannot_represent_are_refused) {
  PlatformEnv env(emu_test_platform());
  auto d = env.make_domain("contexts");
  VcpuContext reset = VcpuContext::real_mode(0xF000, 0xFFF0);
  reset.cs.base = 0xFFFF0000;  // the CPU's own reset state
  try {
    d->set_vcpu_context(0, reset);
    BOOST_FAIL("set_vcpu_context did not throw");
  } catch (const PlatformError& e) {
    BOOST_TEST(std::string(e.what()) ==
               "emu: cannot enter this vCPU context: CS (selector 0xf000) has base 0xffff0000: Unicorn loads "
               "real-mode segments as selector x 16 and has no API for another base");
  }
  VcpuContext lme = VcpuContext::flat32(0x100000, 0);
  lme.efer = VcpuContext::kEferLme;
  try {
    d->set_vcpu_context(0, lme);
    BOOST_FAIL("set_vcpu_context did not throw");
  } catch (const PlatformError& e) {
    BOOST_TEST(std::string(e.what()) ==
               "emu: cannot enter this vCPU context: EFER.LME is set: long mode needs a 64-bit entry on emu "
               "(EFER.LMA)");
  }
  // A refused context leaves the vCPU as it was: a good one still works.
  start_multi32(*d, 0, 0x5A5A);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "hello from flat32, ebx=0x00005a5a\n");
}
