#define BOOST_TEST_MODULE cli_progress
#include <boost/test/unit_test.hpp>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <regex>
#include <string>
#include <vector>

#include "support/test_env.hpp"

using namespace hvmtool;

namespace {

struct TerminalRun {
  int exit_code = -1;
  std::string raw;                 // the bytes hvmtool wrote to the terminal
  std::vector<std::string> lines;  // what the terminal shows, line by line
};

// What a terminal shows for `raw`: '\r' returns to column 0, ESC [ K erases
// to the end of the line, other bytes overwrite the column under the cursor.
// A line written over a longer progress line without clearing it keeps the
// progress line's tail, and one written mid-line starts after its text:
// either shows here.
std::vector<std::string> render(const std::string& raw) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t column = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\r') {
      column = 0;
    } else if (c == '\n') {
      lines.push_back(line);
      line.clear();
      column = 0;
    } else if (c == '\033' && raw.compare(i, 3, "\033[K") == 0) {
      line.resize(column);
      i += 2;
    } else {
      if (column < line.size()) {
        line[column] = c;
      } else {
        line.push_back(c);
      }
      ++column;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

// Runs hvmtool with `args` on a pseudo-terminal (stdout and stderr both).
TerminalRun run_on_terminal(const std::vector<std::string>& args) {
  const std::string bin = (test::build_dir() / "hvmtool").string();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(bin.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  BOOST_REQUIRE_MESSAGE(pid >= 0, "forkpty failed");
  if (pid == 0) {
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  TerminalRun run;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n > 0) {
      run.raw.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO: the child closed the terminal's last slave fd
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.lines = render(run.raw);
  return run;
}

std::string domains_file(const test::TempDir& dir, const std::string& name, int count, const std::string& stage) {
  return dir
      .write(name + ".yaml", "platform: testplatform\ncount: " + std::to_string(count) + "\nplugins: {search_path: [" +
                                 test::test_plugin_dir().string() +
                                 "]}\nstages: {bootloader: teststage, build: teststage}\nparams: {teststage: {" +
                                 stage + "}}\ndomain: {name: " + name + ", type: pvh, memory: 16M}\n")
      .string();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_large_run_on_a_terminal_keeps_a_progress_line_that_other_lines_do_not_break) {
  test::TempDir dir;
  // 55 guests power off (one info line each); 5 fail in build (one error line each).
  const auto ok = domains_file(dir, "ok", 55, "behaviour: ok");
  const auto bad = domains_file(dir, "bad", 5, "behaviour: fail, fail_slot: build");
  const auto run = run_on_terminal({"run", "-F", "--log-dir", dir.path().string(), ok, bad});
  BOOST_TEST(run.exit_code == 2, run.raw);

  // A line was written while the progress line was up: it was cleared first.
  BOOST_TEST(run.raw.find("\r\033[K") != std::string::npos, run.raw);
  const std::regex progress(R"(hvmtool: (\d+)/60 created, (\d+) running, (\d+) ended, (\d+) failed)");
  const std::regex info(R"(hvmtool: info: \[ok-\d+\] guest poweroff \(recorded\); action destroy)");
  const std::regex failure(R"(hvmtool: bad-\d: stage build \(teststage\) failed: .*)");
  std::size_t infos = 0, failures = 0;
  for (const auto& line : run.lines) {
    if (std::regex_match(line, info)) {
      ++infos;
    } else if (std::regex_match(line, failure)) {
      ++failures;
    } else {
      // Anything else is the progress line, whole: nothing written into it.
      BOOST_TEST(std::regex_match(line, progress), "not a whole line: '" << line << "'");
    }
  }
  BOOST_TEST(infos == 55u);
  BOOST_TEST(failures == 5u);
  BOOST_REQUIRE(!run.lines.empty());
  // It ends with the totals, on a line of its own.
  BOOST_TEST(run.lines.back() == "hvmtool: 55/60 created, 0 running, 60 ended, 5 failed");
  BOOST_TEST(run.raw.substr(run.raw.size() - 2) == "\r\n");
}

BOOST_AUTO_TEST_CASE(a_small_run_or_one_off_a_terminal_draws_no_progress_line) {
  test::TempDir dir;
  const auto small =
      run_on_terminal({"run", "-F", "--log-dir", dir.path().string(), domains_file(dir, "few", 49, "behaviour: ok")});
  BOOST_TEST(small.exit_code == 0, small.raw);
  BOOST_TEST(small.raw.find("created,") == std::string::npos, small.raw);
  const auto piped = test::run_command((test::build_dir() / "hvmtool").string() + " run -F --log-dir " +
                                       dir.path().string() + " " + domains_file(dir, "many", 60, "behaviour: ok"));
  BOOST_TEST(piped.exit_code == 0, piped.out);
  BOOST_TEST(piped.out.find("created,") == std::string::npos, piped.out);
}
