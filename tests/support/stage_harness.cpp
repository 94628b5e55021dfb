#include "support/stage_harness.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <stdexcept>

#include "hvmtool/stage_context.hpp"

namespace hvmtool::test {

std::exception_ptr run_stage_alone(Stage& stage, StageContext& ctx, boost::asio::io_context& io, bool cancel_first) {
  DomainCreateInfo info;
  info.name = ctx.config.name;
  info.max_vcpus = ctx.config.vcpus;
  info.max_memory = ctx.config.memory;
  ctx.domain = ctx.platform.create_domain(info);
  if (cancel_first) ctx.cancelled->store(true);
  std::exception_ptr error;
  bool finished = false;
  auto guard = boost::asio::make_work_guard(io);  // the stage's result comes back from a worker
  try {
    stage.async_run(ctx, [&](std::exception_ptr e) {
      error = e;
      finished = true;
    });
  } catch (...) {
    error = std::current_exception();
    finished = true;
  }
  while (!finished && io.run_one_for(std::chrono::seconds(60))) {
  }
  if (!finished) throw std::runtime_error("the stage did not complete within 60 s");
  return error;
}

std::string guest_bytes(Domain& d, std::uint64_t gpa, std::size_t len) {
  GuestMapping m = d.map(gpa, len);
  return std::string(reinterpret_cast<const char*>(m.data()), len);
}

std::string guest_cstr(Domain& d, std::uint64_t gpa, std::size_t max) {
  return std::string(guest_bytes(d, gpa, max).c_str());
}

}  // namespace hvmtool::test
