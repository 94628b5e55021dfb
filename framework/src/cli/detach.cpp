#include "cli/detach.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "hvmtool/error.hpp"

namespace hvmtool::cli {

std::optional<int> Detacher::fork_and_wait_in_parent() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("pipe: ") + std::strerror(errno));
  std::cout.flush();
  std::cerr.flush();
  const pid_t child = ::fork();
  if (child < 0) throw Error(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    ::close(fds[0]);
    report_fd_ = fds[1];
    ::setsid();  // survive the terminal's SIGHUP, like xl's background process
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::close(devnull);
    }
    return std::nullopt;
  }
  ::close(fds[1]);
  char status = 0;
  ssize_t n;
  do {
    n = ::read(fds[0], &status, 1);
  } while (n < 0 && errno == EINTR);
  ::close(fds[0]);
  if (n == 1) {
    std::cerr << "hvmtool: domains running in the background (pid " << child << "); `hvmtool list` shows them\n";
    return 0;
  }
  // The child ended before the domains ran: its status is the run's.
  int wstatus = 0;
  while (::waitpid(child, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  return 128 + WTERMSIG(wstatus);
}

void Detacher::domains_started(const std::filesystem::path& log_file) {
  if (report_fd_ < 0) return;
  std::cout.flush();
  std::cerr.flush();
  int out = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (out >= 0) {
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::close(out);
  }
  const char started = 'R';
  (void)!::write(report_fd_, &started, 1);
  ::close(report_fd_);
  report_fd_ = -1;
}

}  // namespace hvmtool::cli
