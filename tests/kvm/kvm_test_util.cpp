#include "kvm_test_util.hpp"

#include <sstream>

namespace hvmtool::kvm::test {

bool kvm_present() { return ::access("/dev/kvm", F_OK) == 0; }

Env::Env() {
  KvmOptions o;
  o.registry_dir = dir.path() / "registry";
  platform = std::make_unique<KvmPlatform>(io, log, o);
}

Env::~Env() = default;

std::unique_ptr<Domain> Env::make_domain(const std::string& name, std::uint64_t memory, unsigned vcpus,
                                         ConsoleCapture* cons) {
  return hvmtool::test::make_test_domain(*platform, (cons ? cons : &console)->sink(), name, memory, vcpus);
}

std::optional<DomainEvent> Env::run(Domain& d, std::chrono::milliseconds timeout) {
  return hvmtool::test::run_until_event(io, d, timeout);
}

KvmDomain& impl(Domain& d) { return dynamic_cast<KvmDomainHandle&>(d).impl(); }

std::size_t count_kvm_mappings() {
  std::istringstream in(mappings());
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line))
    if (line.find("kvm-vcpu") != std::string::npos || line.find("/dev/zero") != std::string::npos ||
        line.find("anon_hugepage") != std::string::npos)
      ++n;
  return n + hvmtool::test::count_anonymous_mappings("---p", 4ull << 30);
}

}  // namespace hvmtool::kvm::test
