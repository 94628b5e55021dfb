#include <fstream>

#include "support/recording_platform.hpp"

namespace hvmtool::test {

namespace {

// The recording platform, driven by pipeline parameters, and writing its call
// record to `calls_file` when it is destroyed so a test can read it after an
// `hvmtool run` process has exited.
class FileRecordingPlatform final : public Platform {
 public:
  FileRecordingPlatform(boost::asio::io_context& io, RecordingOptions options, std::string calls_file)
      : calls_(std::make_shared<CallLog>()),
        inner_(io, calls_, std::move(options)),
        calls_file_(std::move(calls_file)) {}
  ~FileRecordingPlatform() override {
    if (calls_file_.empty()) return;
    std::ofstream out(calls_file_);
    for (const auto& e : calls_->entries()) out << e << "\n";
    for (const auto& [path, value] : inner_.memory_store().snapshot()) out << "store " << path << "=" << value << "\n";
  }
  std::string_view name() const override { return "testplatform"; }
  void check_available() override { inner_.check_available(); }
  std::unique_ptr<Domain> create_domain(const DomainCreateInfo& info) override { return inner_.create_domain(info); }
  Store& store() override { return inner_.store(); }
  std::vector<DomainSummary> list_domains() override { return inner_.list_domains(); }
  void destroy_domain(std::string_view n) override { inner_.destroy_domain(n); }

 private:
  std::shared_ptr<CallLog> calls_;
  RecordingPlatform inner_;
  std::string calls_file_;
};

class TestPlatformPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "testplatform"; }
  std::string_view version() const override { return "test"; }
  std::string_view description() const override { return "recording platform for tests"; }
  bool provides_platform() const override { return true; }
  std::unique_ptr<Platform> create_platform(const PlatformContext& ctx) override {
    const auto& p = ctx.params;
    p.require_known({"event", "console", "fail", "calls_file"});
    RecordingOptions options;
    std::string event = p.get_choice("event", "poweroff", {"poweroff", "reboot", "crash", "none"});
    if (event == "poweroff") options.event_on_unpause = ShutdownReason::poweroff;
    if (event == "reboot") options.event_on_unpause = ShutdownReason::reboot;
    if (event == "crash") options.event_on_unpause = ShutdownReason::crash;
    options.console_on_unpause = p.get_string("console", "");
    std::string fail = p.get_choice("fail", "none", {"none", "create", "unpause"});
    options.fail_create = fail == "create";
    options.fail_unpause = fail == "unpause";
    return std::make_unique<FileRecordingPlatform>(ctx.io, options, p.get_string("calls_file", ""));
  }
};

}  // namespace
}  // namespace hvmtool::test

HVMTOOL_PLUGIN(hvmtool::test::TestPlatformPlugin)
