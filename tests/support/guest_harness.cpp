#include "support/guest_harness.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "hvmtool/vcpu.hpp"
#include "support/test_env.hpp"

namespace hvmtool::test {

namespace fs = std::filesystem;

void CaptureLogger::log(LogLevel level, std::string_view message) {
  static const char* names[] = {"debug", "info", "warn", "error"};
  std::string line = std::string(names[static_cast<int>(level)]) + ": " + std::string(message);
  if (std::getenv("HVMTOOL_TEST_VERBOSE")) std::cerr << line << "\n";
  std::lock_guard lk(mu_);
  lines_.push_back(std::move(line));
}

std::vector<std::string> CaptureLogger::lines() const {
  std::lock_guard lk(mu_);
  return lines_;
}

std::size_t CaptureLogger::count_containing(std::string_view needle) const {
  std::lock_guard lk(mu_);
  std::size_t n = 0;
  for (const auto& l : lines_)
    if (l.find(needle) != std::string::npos) ++n;
  return n;
}

ConsoleSink ConsoleCapture::sink() {
  return [this](ConsoleChannel ch, std::string_view bytes) {
    std::lock_guard lk(mu_);
    text_[ch].append(bytes);
  };
}

std::string ConsoleCapture::text(ConsoleChannel ch) const {
  std::lock_guard lk(mu_);
  auto it = text_.find(ch);
  return it == text_.end() ? std::string() : it->second;
}

fs::path guest_path(const std::string& file) { return build_dir() / "tests" / "kvm" / "guests" / file; }

std::vector<std::byte> load_guest(const std::string& file) {
  std::ifstream in(guest_path(file), std::ios::binary);
  if (!in) throw std::runtime_error("test guest " + guest_path(file).string() + " missing (build hvmtool_kvm_guests)");
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(data.size());
  std::memcpy(out.data(), data.data(), data.size());
  return out;
}

void load_image(Domain& d, std::uint64_t gpa, const std::vector<std::byte>& image) {
  auto m = d.map(gpa, image.size());
  std::memcpy(m.data(), image.data(), image.size());
}

void start_multi32(Domain& d, std::uint32_t action, std::uint32_t ebx, std::uint32_t ecx) {
  load_image(d, 0x100000, load_guest("multi32.bin"));
  auto ctx = VcpuContext::flat32(0x100000, ebx);
  ctx.rax = action;
  ctx.rcx = ecx;
  d.set_vcpu_context(0, ctx);
}

std::uint32_t read_u32(Domain& d, std::uint64_t gpa) {
  auto m = d.map(gpa, 4);
  std::uint32_t v;
  std::memcpy(&v, m.data(), 4);
  return v;
}

std::unique_ptr<Domain> make_test_domain(Platform& p, ConsoleSink console, const std::string& name,
                                         std::uint64_t memory, unsigned vcpus) {
  DomainCreateInfo info;
  info.name = name;
  info.max_vcpus = vcpus;
  info.max_memory = memory;
  info.console = std::move(console);
  auto d = p.create_domain(info);
  d->populate_physmap(0, 0xA0, 0);
  d->populate_physmap(0xC0, (memory >> 12) - 0xC0, 0);
  return d;
}

std::optional<DomainEvent> run_until_event(boost::asio::io_context& io, Domain& d, std::chrono::milliseconds timeout) {
  auto ev = std::make_shared<std::optional<DomainEvent>>();
  d.set_event_handler([ev, &io](const DomainEvent& e) {
    if (!*ev) *ev = e;
    io.stop();
  });
  auto guard = boost::asio::make_work_guard(io);
  boost::asio::steady_timer timer(io, timeout);
  timer.async_wait([&io](const boost::system::error_code& ec) {
    if (!ec) io.stop();
  });
  d.unpause();
  io.restart();
  io.run();
  timer.cancel();
  return *ev;
}

namespace {
std::size_t count_dir(const char* p) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(p)) ++n;
  return n;
}
}  // namespace

std::size_t count_fds() { return count_dir("/proc/self/fd"); }
std::size_t count_threads() { return count_dir("/proc/self/task"); }

std::size_t count_mappings() {
  std::ifstream in("/proc/self/maps");
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

std::size_t count_vcpu_threads(std::string_view kind) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/task")) {
    std::ifstream in(e.path() / "comm");
    std::string comm;
    std::getline(in, comm);
    if (comm.rfind(kind, 0) == 0 && comm.find("/vcpu") != std::string::npos) ++n;
  }
  return n;
}

bool sanitized() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return true;
#else
  return false;
#endif
}

std::string mappings() {
  std::ifstream in("/proc/self/maps");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count_anonymous_mappings(std::string_view perms, std::uint64_t min_bytes) {
  std::istringstream in(mappings());
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    unsigned long long lo = 0, hi = 0;
    char p[5] = {};
    if (std::sscanf(line.c_str(), "%llx-%llx %4s", &lo, &hi, p) == 3 && perms == p && hi - lo >= min_bytes &&
        line.find('/') == std::string::npos && line.find('[') == std::string::npos)
      ++n;
  }
  return n;
}

std::string new_mappings(const std::string& before) {
  std::istringstream now(mappings());
  std::string line, out;
  while (std::getline(now, line)) {
    // The heap's end moves as malloc grows and trims it: not a mapping anyone made.
    if (line.size() >= 6 && line.compare(line.size() - 6, 6, "[heap]") == 0) continue;
    if (before.find(line + "\n") == std::string::npos) out += line + "\n";
  }
  return out;
}

}  // namespace hvmtool::test
