#pragma once

// Running one stage by itself in a test and reading guest memory afterwards:
// what the builder suites (build_hvm, build_pv) share.

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>

#include "hvmtool/domain.hpp"
#include "hvmtool/stage.hpp"

namespace hvmtool::test {

// Creates a domain for ctx.config on ctx.platform, sets ctx.domain, runs
// `stage` to its completion (driving `io` for up to 60 s) and returns its
// error, or nullptr. `cancel_first` marks the run cancelled before it starts.
// Throws std::runtime_error if the stage never completes.
std::exception_ptr run_stage_alone(Stage& stage, StageContext& ctx, boost::asio::io_context& io,
                                   bool cancel_first = false);

// `len` bytes of guest memory at `gpa`.
std::string guest_bytes(Domain& d, std::uint64_t gpa, std::size_t len);

// A NUL-terminated string in guest memory, looked for within `max` bytes.
std::string guest_cstr(Domain& d, std::uint64_t gpa, std::size_t max);

template <typename T>
T guest_read(Domain& d, std::uint64_t gpa) {
  T t;
  std::memcpy(&t, guest_bytes(d, gpa, sizeof t).data(), sizeof t);
  return t;
}

}  // namespace hvmtool::test
