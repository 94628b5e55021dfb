// The bzImage setup header parser (plugins/common) for both entries that use
// it, build_pv's 64-bit one (then the zero page it writes) and hvmloader's
// 32-bit one, with a command line and RAM size taken from the input's
// first bytes so the limits are exercised too.
#include <cstddef>
#include <cstdint>
#include <span>

#include "bzimage.hpp"
#include "fuzz_check.hpp"
#include "hvmtool/error.hpp"
#include "hvmtool_common/bzimage.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace bz = hvmtool::common::bzimage;
  if (size < 2) return 0;
  // Byte 0: RAM in MiB (4..259); byte 1: command line length / 8.
  const std::uint64_t ram_end = (4ull + data[0]) << 20;
  const std::uint64_t cmdline = std::uint64_t(data[1]) * 8;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data + 2), size - 2);
  try {
    const bz::Image img = bz::parse(bytes, "bzImage", {bz::Entry::long64, ram_end, cmdline, 0xFFFF});
    const std::vector<hvmtool::build_pv::E820Entry> e820 = {{0, 0xA0000, 1}, {0x100000, ram_end - 0x100000, 1}};
    (void)hvmtool::build_pv::make_zero_page(bytes, img, e820, 0x20000, 0, 0);
  } catch (const hvmtool::Error& e) {
    hvmtool::fuzz::check_message(e, hvmtool::fuzz::Text::guest);
  }
  try {
    (void)bz::parse(bytes, "bzImage", {bz::Entry::protected32, ram_end - 0x10000, cmdline, 0xFFFF});
  } catch (const hvmtool::Error& e) {
    hvmtool::fuzz::check_message(e, hvmtool::fuzz::Text::guest);
  }
  return 0;
}
