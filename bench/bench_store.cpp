// The embedded store (kvm, emu) under N live domains: each domain's entries
// written in two transactions (as make and build_post do), all N kept, then
// each removed. Prints the µs per domain; run under
// `valgrind --tool=callgrind` for instruction counts.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "hvmtool_platforms/embedded_store.hpp"

int main(int argc, char** argv) {
  const int domains = argc > 1 ? std::atoi(argv[1]) : 1000;
  boost::asio::io_context io;
  hvmtool::platforms::EmbeddedStore store(io, {});
  const auto began = std::chrono::steady_clock::now();
  for (int d = 1; d <= domains; ++d) {
    const std::string dom = "/local/domain/" + std::to_string(d);
    store.transact([&](hvmtool::StoreTransaction& t) {
      t.write(dom + "/name", "bench-" + std::to_string(d));
      t.write(dom + "/domid", std::to_string(d));
      t.write(dom + "/vm", "/vm/" + std::to_string(d));
      t.write("/vm/" + std::to_string(d) + "/name", "bench-" + std::to_string(d));
      t.set_permissions(dom, {{static_cast<hvmtool::DomainId>(d), 'n'}, {0, 'r'}});
    });
    store.transact([&](hvmtool::StoreTransaction& t) {
      for (const char* key :
           {"memory/target", "memory/static-max", "store/port", "store/ring-ref", "console/port", "console/ring-ref",
            "console/type", "platform/acpi", "control/shutdown", "cpu/0/availability"})
        t.write(dom + "/" + key, "1");
    });
  }
  for (int d = 1; d <= domains; ++d) {
    store.remove("/local/domain/" + std::to_string(d));
    store.remove("/vm/" + std::to_string(d));
  }
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - began).count();
  std::cout << domains << " domains: " << us / domains << " us per domain\n";
  return 0;
}
