#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "hvmtool/hvmtool.hpp"
#include "support/memory_store.hpp"

namespace hvmtool::test {

// Every call a RecordingPlatform and its domains receive, in order.
class CallLog {
 public:
  void add(std::string entry);
  std::vector<std::string> entries() const;
  bool contains(const std::string& entry) const;
  // Index of the first entry starting with `prefix`, or -1.
  long index_of(const std::string& prefix) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> entries_;
};

struct RecordingOptions {
  unsigned max_order = 18;                         // largest extent order populate_physmap grants
  std::optional<ShutdownReason> event_on_unpause;  // posted to the io_context after unpause
  std::string console_on_unpause;                  // written to the console sink at unpause
  bool fail_create = false;
  bool fail_unpause = false;
};

class RecordingDomain;

class RecordingPlatform final : public Platform {
 public:
  RecordingPlatform(boost::asio::io_context& io, std::shared_ptr<CallLog> log, RecordingOptions options = {});
  std::string_view name() const override { return "recording"; }
  void check_available() override { log_->add("check_available"); }
  std::unique_ptr<Domain> create_domain(const DomainCreateInfo& info) override;
  Store& store() override { return store_; }
  std::vector<DomainSummary> list_domains() override { return {}; }
  void destroy_domain(std::string_view name_or_id) override;

  CallLog& calls() { return *log_; }
  MemoryStore& memory_store() { return store_; }
  RecordingOptions& options() { return options_; }

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<CallLog> log_;
  RecordingOptions options_;
  MemoryStore store_;
  DomainId next_id_ = 1;
};

class RecordingDomain final : public Domain {
 public:
  RecordingDomain(boost::asio::io_context& io, std::shared_ptr<CallLog> log, const RecordingOptions& options,
                  DomainId id, const DomainCreateInfo& info);
  ~RecordingDomain() override;

  DomainId id() const override { return id_; }
  const std::string& name() const override { return name_; }
  void set_max_vcpus(unsigned count) override;
  void set_max_memory(std::uint64_t bytes) override;
  std::size_t populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned extent_order) override;
  PopulateStats populate_stats() const override { return stats_; }
  GuestMapping map(std::uint64_t gpa, std::size_t len) override;
  void set_hvm_param(std::uint32_t index, std::uint64_t value) override;
  std::uint64_t hvm_param(std::uint32_t index) const override;
  void set_vcpu_context(unsigned vcpu, const VcpuContext& context) override;
  void pause() override;
  void unpause() override;
  void destroy() noexcept override;
  void set_event_handler(DomainEventHandler handler) override;

  bool populated(std::uint64_t gpfn) const;
  const std::map<unsigned, VcpuContext>& vcpu_contexts() const { return vcpus_; }

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<CallLog> log_;
  RecordingOptions options_;
  DomainId id_;
  std::string name_;
  ConsoleSink console_;
  std::byte* memory_ = nullptr;  // reservation covering every guest-physical address
  std::uint64_t memory_size_ = 0;
  std::vector<bool> populated_;  // by gpfn
  PopulateStats stats_;
  std::map<std::uint32_t, std::uint64_t> params_;
  std::map<unsigned, VcpuContext> vcpus_;
  // Shared with posted deliveries, which may outlive this object.
  struct EventState {
    DomainEventHandler handler;
    std::optional<DomainEvent> undelivered;
  };
  std::shared_ptr<EventState> events_ = std::make_shared<EventState>();
  bool destroyed_ = false;
};

}  // namespace hvmtool::test
