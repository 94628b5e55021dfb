#include "kvm_test_util.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "hvmtool/error.hpp"

namespace hvmtool::kvm::test {

namespace fs = std::filesystem;

bool kvm_present() { return ::access("/dev/kvm", F_OK) == 0; }

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

fs::path guest_path(const std::string& file) { return fs::path(HVMTOOL_KVM_GUEST_DIR) / file; }

std::vector<std::byte> load_guest(const std::string& file) {
  std::ifstream in(guest_path(file), std::ios::binary);
  if (!in) throw std::runtime_error("test guest " + guest_path(file).string() + " missing (build hvmtool_kvm_guests)");
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(data.size());
  std::memcpy(out.data(), data.data(), data.size());
  return out;
}

Env::Env() {
  KvmOptions o;
  o.registry_dir = dir.path() / "registry";
  platform = std::make_unique<KvmPlatform>(io, log, o);
}

Env::~Env() = default;

std::unique_ptr<Domain> Env::make_domain(const std::string& name, std::uint64_t memory, unsigned vcpus,
                                         ConsoleCapture* cons) {
  DomainCreateInfo info;
  info.name = name;
  info.max_vcpus = vcpus;
  info.max_memory = memory;
  info.console = (cons ? cons : &console)->sink();
  auto d = platform->create_domain(info);
  d->populate_physmap(0, 0xA0, 0);
  d->populate_physmap(0xC0, (memory >> 12) - 0xC0, 0);
  return d;
}

std::optional<DomainEvent> Env::run(Domain& d, std::chrono::milliseconds timeout) {
  auto ev = std::make_shared<std::optional<DomainEvent>>();
  boost::asio::io_context& ioc = io;
  d.set_event_handler([ev, &ioc](const DomainEvent& e) {
    if (!*ev) *ev = e;
    ioc.stop();
  });
  auto guard = boost::asio::make_work_guard(io);
  boost::asio::steady_timer timer(io, timeout);
  timer.async_wait([&ioc](const boost::system::error_code& ec) {
    if (!ec) ioc.stop();
  });
  d.unpause();
  io.restart();
  io.run();
  timer.cancel();
  return *ev;
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

KvmDomain& impl(Domain& d) { return dynamic_cast<KvmDomainHandle&>(d).impl(); }

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

std::size_t count_vcpu_threads() {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/task")) {
    std::ifstream in(e.path() / "comm");
    std::string comm;
    std::getline(in, comm);
    if (comm.rfind("kvm", 0) == 0 && comm.find("/vcpu") != std::string::npos) ++n;
  }
  return n;
}

std::size_t count_kvm_mappings() {
  std::istringstream in(mappings());
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    if (line.find("kvm-vcpu") != std::string::npos || line.find("/dev/zero") != std::string::npos ||
        line.find("anon_hugepage") != std::string::npos) {
      ++n;
      continue;
    }
    unsigned long long lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%llx-%llx %4s", &lo, &hi, perms) == 3 && std::string(perms) == "---p" &&
        hi - lo >= (4ull << 30) && line.find('/') == std::string::npos && line.find('[') == std::string::npos)
      ++n;
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

std::string new_mappings(const std::string& before) {
  std::istringstream now(mappings());
  std::string line, out;
  while (std::getline(now, line))
    if (before.find(line + "\n") == std::string::npos) out += line + "\n";
  return out;
}

}  // namespace hvmtool::kvm::test
