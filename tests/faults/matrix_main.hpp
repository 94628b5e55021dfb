#pragma once

// The body of main() of each matrix suite: skipped (exit 77) where the
// platform its run is registered for is missing (tests/CMakeLists.txt).

#include <boost/test/unit_test.hpp>
#include <iostream>

#include "support/test_env.hpp"

namespace hvmtool::faults {

inline int run_on_test_platform(int argc, char* argv[]) {
  if (const std::string missing = test::test_platform_missing(); !missing.empty()) {
    std::cout << "SKIP: " << missing << std::endl;
    return 77;
  }
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}

}  // namespace hvmtool::faults
