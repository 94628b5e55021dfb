#pragma once

// The body of main() of a suite registered once per platform
// (hvmtool_add_test ... PLATFORMS, tests/CMakeLists.txt): skipped (exit 77,
// which CTest counts as skipped) with the reason on stdout where the platform
// of this run is missing or a guest file the suite boots was not built;
// otherwise the suite runs. Include after <boost/test/unit_test.hpp> with
// BOOST_TEST_NO_MAIN, which defines init_unit_test.

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <iostream>
#include <vector>

#include "support/test_env.hpp"

namespace hvmtool::test {

inline int platform_suite_main(int argc, char* argv[], const std::vector<std::filesystem::path>& needed = {}) {
  if (const std::string missing = test_platform_missing(); !missing.empty()) {
    std::cout << "SKIP: " << missing << std::endl;
    return 77;
  }
  for (const auto& file : needed)
    if (!std::filesystem::exists(file)) {
      std::cout << "SKIP: " << file.string() << " is not built (HVMTOOL_BUILD_FIRMWARE off?)" << std::endl;
      return 77;
    }
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}

}  // namespace hvmtool::test
