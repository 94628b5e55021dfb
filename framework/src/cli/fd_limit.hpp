#pragma once

namespace hvmtool::cli {

// Raises RLIMIT_NOFILE's soft limit to the hard limit: a run of thousands of
// domains needs more fds than the usual soft 1024 (kvm: a VM fd and one per
// vCPU each). The I/O is epoll, never select(), so fds above 1024 are safe.
// Best effort: a failure leaves the limit as it was, and a domain that then
// runs out of fds fails on its own.
void raise_fd_limit();

}  // namespace hvmtool::cli
