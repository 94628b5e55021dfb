#pragma once

#include <map>
#include <memory>
#include <mutex>

#include <hvmtool/hvmtool.hpp>

namespace hvmtool::bench {

// A domain that exists only as this object: every operation succeeds at
// once, and unpause() ends it with a poweroff (after writing `console_text`
// to its console, if any), or with `hold` never. What is left of a run's cost is the framework's.
class NoopDomain final : public Domain {
 public:
  NoopDomain(boost::asio::io_context& io, DomainId id, const DomainCreateInfo& info, std::string console_text,
             bool hold);
  ~NoopDomain() override;

  DomainId id() const override { return id_; }
  const std::string& name() const override { return name_; }
  void set_max_vcpus(unsigned) override {}
  void set_max_memory(std::uint64_t) override {}
  std::size_t populate_physmap(std::uint64_t, std::size_t nr_extents, unsigned) override { return nr_extents; }
  PopulateStats populate_stats() const override { return {}; }
  GuestMapping map(std::uint64_t gpa, std::size_t len) override;
  void set_hvm_param(std::uint32_t index, std::uint64_t value) override { params_[index] = value; }
  std::uint64_t hvm_param(std::uint32_t index) const override;
  void set_vcpu_context(unsigned, const VcpuContext&) override {}
  void pause() override {}
  void unpause() override;
  void destroy() noexcept override;
  void set_event_handler(DomainEventHandler handler) override;

 private:
  // Shared with handlers queued on the io_context, which may run after
  // this object is gone.
  struct Events {
    std::mutex mutex;
    DomainEventHandler handler;
    bool pending = false;
    bool closed = false;
  };
  void deliver_if_ready();

  boost::asio::io_context& io_;
  DomainId id_;
  std::string name_;
  ConsoleSink console_;
  std::string console_text_;
  bool hold_;
  std::map<std::uint32_t, std::uint64_t> params_;
  std::shared_ptr<Events> events_ = std::make_shared<Events>();
};

}  // namespace hvmtool::bench
