// hvmloader's bulk memory work, side by side in one run:
//   64-bit        hvmloader and the test kernel as built: paging.S does the
//                 moves (hvmloader) and the checksum (test kernel) as 64-bit
//                 user-mode code
//   hvmloader-32  hvmloader with paging.S switched off: its moves are 32-bit
//                 REP MOVSL with paging off; the test kernel as built
//   both-32       both switched off: the test kernel's checksum is its byte
//                 loop, as before paging.S
// "Switched off" is a copy of the image with paging.S's lm_off set to 1,
// found through the ELF symbol table. Boots: nothing extra; an initrd of each
// size (the 3 GiB domain makes build_hvm put it near 3 GiB, so hvmloader must
// move it below the test kernel's initrd_addr_max, 2 GiB); the test kernel
// with that many bytes appended (moved to 1 MiB by boot_linux's memmove and
// the trampoline). Each boot is checked: poweroff, and the sum the test kernel
// printed. Prints the wait stage's median per boot and variant, the per-MiB
// cost over the plain boot, and the ratios to the 64-bit variant.
//
// bench_hvmloader_copy [RUNS=3] [SIZE...=256K 1M 4M 16M]
#include <elf.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/pipeline_config.hpp"
#include "log/stream_logger.hpp"
#include "runner/session.hpp"

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return {std::istreambuf_iterator<char>(in), {}};
}

void spit(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

template <typename T>
T at(const std::string& elf, std::size_t off) {
  if (off + sizeof(T) > elf.size()) throw std::runtime_error("truncated ELF");
  T v;
  std::memcpy(&v, elf.data() + off, sizeof v);
  return v;
}

// Where `symbol` lives in the file that the ELF32 `elf` became: the ELF
// itself (flat = false) or its `objcopy -O binary` image (flat = true, which
// starts at the lowest load address).
std::size_t symbol_offset(const std::string& elf, const std::string& symbol, bool flat) {
  const auto eh = at<Elf32_Ehdr>(elf, 0);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS32)
    throw std::runtime_error("not an ELF32 file");
  std::uint32_t value = 0;
  bool found = false;
  for (unsigned i = 0; i < eh.e_shnum && !found; ++i) {
    const auto sh = at<Elf32_Shdr>(elf, eh.e_shoff + i * sizeof(Elf32_Shdr));
    if (sh.sh_type != SHT_SYMTAB) continue;
    const auto strtab = at<Elf32_Shdr>(elf, eh.e_shoff + sh.sh_link * sizeof(Elf32_Shdr));
    for (std::uint32_t s = 0; s < sh.sh_size / sizeof(Elf32_Sym) && !found; ++s) {
      const auto sym = at<Elf32_Sym>(elf, sh.sh_offset + s * sizeof(Elf32_Sym));
      if (elf.compare(strtab.sh_offset + sym.st_name, symbol.size() + 1, symbol.c_str(), symbol.size() + 1) == 0) {
        value = sym.st_value;
        found = true;
      }
    }
  }
  if (!found) throw std::runtime_error("no symbol " + symbol);
  std::uint32_t lowest = UINT32_MAX;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const auto ph = at<Elf32_Phdr>(elf, eh.e_phoff + i * sizeof(Elf32_Phdr));
    if (ph.p_type == PT_LOAD && ph.p_filesz) lowest = std::min(lowest, ph.p_paddr);
  }
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const auto ph = at<Elf32_Phdr>(elf, eh.e_phoff + i * sizeof(Elf32_Phdr));
    if (ph.p_type != PT_LOAD || value < ph.p_vaddr || value - ph.p_vaddr >= ph.p_filesz) continue;
    return flat ? ph.p_paddr - lowest + (value - ph.p_vaddr) : ph.p_offset + (value - ph.p_vaddr);
  }
  throw std::runtime_error("symbol " + symbol + " is not in a loaded segment");
}

// A copy of `image` in which paging.S reports long mode unavailable.
fs::path without_long_mode(const fs::path& image, const fs::path& elf, bool flat, const fs::path& out) {
  std::string data = slurp(image);
  const std::size_t off = symbol_offset(slurp(elf), "lm_off", flat);
  const std::uint32_t yes = 1;
  if (off + sizeof yes > data.size()) throw std::runtime_error("lm_off outside " + image.string());
  std::memcpy(data.data() + off, &yes, sizeof yes);
  spit(out, data);
  return out;
}

struct Variant {
  std::string name;
  fs::path firmware, kernel;
};

std::string size_name(std::uint64_t n) {
  if (n % (1u << 20) == 0) return std::to_string(n >> 20) + "M";
  return std::to_string(n >> 10) + "K";
}

// Pseudo-random bytes and their 32-bit byte sum, as the test kernel sums.
std::pair<std::string, std::uint32_t> payload(std::uint64_t size) {
  std::string data(size, '\0');
  std::uint32_t x = 0x9e3779b9u ^ static_cast<std::uint32_t>(size), sum = 0;
  for (auto& c : data) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
    sum += static_cast<std::uint8_t>(c);
  }
  return {data, sum};
}

// One boot: nothing extra, an initrd of `size` (moved by hvmloader), or a
// kernel with `size` bytes appended and syssize raised to cover them (moved
// by boot_linux's memmove and the trampoline); the test kernel sums either.
struct Case {
  std::string label;
  std::uint64_t size = 0;
  fs::path ramdisk;
  bool appended = false;
  std::string want;  // the test kernel's line for the sum
};

Case make_case(const fs::path& dir, std::uint64_t size, bool kernel) {
  Case c{(kernel ? "kernel +" : "initrd ") + size_name(size), size, {}, kernel, {}};
  auto [data, sum] = payload(size);
  std::ostringstream want;
  want << (kernel ? "appended" : "initrd") << " addr=0x" << std::hex << " size=0x" << size << " sum=0x" << std::setw(8)
       << std::setfill('0') << sum;
  c.want = want.str();
  if (!kernel) spit(c.ramdisk = dir / ("initrd-" + size_name(size)), data);
  return c;
}

// `kernel` with `size` payload bytes appended, syssize raised to cover them.
fs::path with_appended(const fs::path& kernel, std::uint64_t size, const fs::path& out) {
  constexpr std::size_t kSetupSects = 0x1f1, kSyssize = 0x1f4;
  std::string data = slurp(kernel);
  if (data.size() < 0x200) throw std::runtime_error(kernel.string() + " is not a bzImage");
  const std::size_t setup = (static_cast<std::uint8_t>(data[kSetupSects]) + 1) * 512;
  data += payload(size).first;
  const std::uint32_t paragraphs = static_cast<std::uint32_t>((data.size() - setup + 15) / 16);
  std::memcpy(data.data() + kSyssize, &paragraphs, 4);
  spit(out, data);
  return out;
}

std::string pipeline_text(const Variant& v, const fs::path& kernel, const Case& c, const fs::path& log) {
  std::ostringstream y;
  y << "platform: kvm\n"
    << "plugins: {search_path: [" << HVMTOOL_BENCH_PLUGINS << "]}\n"
    << "stages: {build: build_hvm}\n"
    << "params: {build_hvm: {entry: direct}}\n"
    << "domain:\n  name: bench-copy-" << ::getpid() << "\n  type: hvm\n  memory: 3G\n"
    << "  firmware: " << v.firmware.string() << "\n  kernel: " << kernel.string() << "\n";
  if (!c.ramdisk.empty()) y << "  ramdisk: " << c.ramdisk.string() << "\n";
  y << "  cmdline: \"console=ttyS0\"\n  logfile: " << log.string() << "\n"
    << "  on_poweroff: destroy\n  on_crash: destroy\n  timeouts: {build: 120s, wait: 600s}\n";
  return y.str();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 3;
  std::vector<std::uint64_t> sizes;
  for (int i = 2; i < argc; ++i) sizes.push_back(hvmtool::parse_size(argv[i]));
  if (sizes.empty()) sizes = {256u << 10, 1u << 20, 4u << 20, 16u << 20};

  char tmpl[] = "/tmp/bench-hvmloader-copy-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  const fs::path dir = tmpl;

  const fs::path loader = HVMTOOL_BENCH_HVMLOADER, kernel = HVMTOOL_BENCH_TESTKERNEL;
  const fs::path loader32 = without_long_mode(loader, loader, false, dir / "hvmloader-32");
  const fs::path kernel32 = without_long_mode(kernel, HVMTOOL_BENCH_TESTKERNEL_ELF, true, dir / "testkernel-32");
  const std::vector<Variant> variants{
      {"64-bit", loader, kernel}, {"hvmloader-32", loader32, kernel}, {"both-32", loader32, kernel32}};

  std::vector<Case> cases{{"none", 0, {}, false, {}}};
  for (bool k : {false, true})
    for (auto s : sizes) cases.push_back(make_case(dir, s, k));

  hvmtool::StreamLogger log(std::cerr, hvmtool::LogLevel::warn);
  std::map<std::pair<std::size_t, std::size_t>, std::vector<double>> wait_ms;  // (case, variant)
  // Rounds, variants alternating inside each, so that drift in the machine's
  // load hits every variant alike.
  for (int r = 0; r < runs; ++r)
    for (std::size_t i = 0; i < cases.size(); ++i)
      for (std::size_t v = 0; v < variants.size(); ++v) {
        const Case& c = cases[i];
        const std::string what = variants[v].name + ", " + c.label;
        const fs::path console = dir / "guest.log";
        const fs::path k = c.appended ? with_appended(variants[v].kernel, c.size, dir / "kernel") : variants[v].kernel;
        fs::remove(console);
        hvmtool::Session session(log, 2);
        session.prepare(hvmtool::load_pipeline_text(pipeline_text(variants[v], k, c, console), "bench.yaml"));
        hvmtool::RunOptions options;
        options.log_dir = dir;
        auto results = session.run(options);
        if (results.size() != 1 || results[0].outcome != hvmtool::RunOutcome::poweroff)
          throw std::runtime_error(what + ": did not power off: " + (results.empty() ? "" : results[0].message));
        // The line, minus the address the loader chose.
        const std::string con = std::regex_replace(slurp(console), std::regex("addr=0x[0-9a-f]+"), "addr=0x");
        if (!c.want.empty() && con.find(c.want) == std::string::npos)
          throw std::runtime_error(what + ": the test kernel did not report " + c.want);
        for (const auto& t : results[0].timings)
          if (t.slot == hvmtool::StageSlot::wait)
            wait_ms[{i, v}].push_back(std::chrono::duration<double, std::milli>(t.elapsed).count());
      }

  std::cout << std::fixed << std::setprecision(1)
            << "hvmloader moves + test kernel checksum, 3 GiB domain, wait stage, median of " << runs
            << " runs (ms):\n  " << std::left << std::setw(12) << "boot" << std::right;
  for (const auto& v : variants) std::cout << std::setw(16) << v.name;
  for (std::size_t v = 1; v < variants.size(); ++v) std::cout << std::setw(16) << (variants[v].name + "/64");
  std::cout << "\n";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::cout << "  " << std::left << std::setw(12) << cases[i].label << std::right;
    for (std::size_t v = 0; v < variants.size(); ++v) std::cout << std::setw(16) << median(wait_ms[{i, v}]);
    for (std::size_t v = 1; v < variants.size(); ++v)
      std::cout << std::setw(16) << median(wait_ms[{i, v}]) / median(wait_ms[{i, 0}]);
    std::cout << "\n";
  }
  std::cout << "per MiB moved and summed (over the boot with nothing extra, ms/MiB):\n" << std::setprecision(2);
  for (std::size_t i = 1; i < cases.size(); ++i) {
    const double mib = static_cast<double>(cases[i].size) / (1 << 20);
    std::cout << "  " << std::left << std::setw(12) << cases[i].label << std::right;
    std::vector<double> per;
    for (std::size_t v = 0; v < variants.size(); ++v) {
      per.push_back((median(wait_ms[{i, v}]) - median(wait_ms[{0, v}])) / mib);
      std::cout << std::setw(16) << per.back();
    }
    for (std::size_t v = 1; v < variants.size(); ++v) std::cout << std::setw(16) << (per[0] > 0 ? per[v] / per[0] : 0);
    std::cout << "\n";
  }
  fs::remove_all(dir);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_hvmloader_copy: " << e.what() << "\n";
  return 1;
}
