// Session: what preparing costs before anything runs.
#define BOOST_TEST_MODULE session
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <iostream>

#include "log/stream_logger.hpp"
#include "runner/session.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;

namespace {

std::size_t thread_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_worker_pool_starts_with_the_first_run_not_with_the_session) {
  test::TempDir dir;
  StreamLogger log(std::cerr, LogLevel::warn);
  const std::size_t before = thread_count();
  Session session(log, 2);
  session.prepare(load_pipeline_text("platform: testplatform\nplugins: {search_path: [" +
                                         test::test_plugin_dir().string() +
                                         "]}\nstages: {bootloader: teststage, build: teststage}\n"
                                         "domain: {name: pool, type: pvh, memory: 16M}\n",
                                     dir.path() / "pool.yaml"));
  BOOST_TEST(thread_count() == before);  // what `hvmtool validate` does: no threads
  RunOptions options;
  options.log_dir = dir.path();
  const auto results = session.run(options);
  BOOST_REQUIRE(results.size() == 1u);
  BOOST_TEST(to_string(results[0].outcome) == "poweroff", results[0].message);
  BOOST_TEST(thread_count() == before + 2);
}
