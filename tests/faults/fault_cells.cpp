#include "faults/fault_cells.hpp"

#include <sstream>

#include "support/test_env.hpp"

namespace hvmtool::faults {

namespace {

// Arrays, not vectors: the test cases are registered, and these read,
// during static initialisation.
constexpr const char* kSteps[] = {"make", "bootloader", "build_pre", "build", "build_post", "unpause", "wait"};
constexpr const char* kKinds[] = {"fail", "std", "int", "hang", "sigterm"};

// The real plugin serving each step of the cells' pipeline.
std::string real_plugin(const std::string& step) {
  if (step == "bootloader") return "none";
  if (step == "build") return "build_hvm";
  return "core";
}

// What the thrower does for each kind (throwing_plugin.cpp): "fail" is a
// completion with its own exception type.
std::string thrower_params(const FaultCell& cell) {
  if (cell.kind == "fail") return "{at: completion, what: own, slot: " + cell.step + "}";
  if (cell.kind == "std") return "{at: async_run, what: std, slot: " + cell.step + "}";
  if (cell.kind == "int") return "{at: async_run, what: int, slot: " + cell.step + "}";
  return "{at: " + cell.kind + ", slot: " + cell.step + "}";  // hang, sigterm
}

constexpr const char* kTimeout = "300ms";  // for a hang

}  // namespace

std::ostream& operator<<(std::ostream& out, const FaultCell& cell) {
  return out << cell.step << "/" << (cell.op.empty() ? "stage" : cell.op) << "/" << cell.kind;
}

std::vector<FaultCell> stage_cells() {
  std::vector<FaultCell> cells;
  for (const char* step : kSteps)
    for (const char* kind : kKinds) cells.push_back({step, "thrower", "", kind});
  return cells;
}

std::vector<FaultCell> platform_cells() {
  struct Op {
    std::string step, op;
    bool on_worker;  // called from a worker job, where a hang is a timeout, not a stall of the io_context
  };
  // Every operation the real stages call, in the order they first call it.
  const std::vector<Op> ops = {
      {"make", "create_domain", false},
      {"make", "store.transact", false},
      {"build_pre", "set_max_vcpus", false},
      {"build_pre", "set_max_memory", false},
      {"build", "populate_physmap", true},
      {"build", "map", true},
      {"build", "set_hvm_param", true},
      {"build", "set_vcpu_context", true},
      {"build_post", "store.introduce_domain", false},
      {"unpause", "unpause", false},
      {"wait", "set_event_handler", false},
  };
  std::vector<FaultCell> cells;
  for (const auto& op : ops)
    for (const std::string kind : kKinds)
      if (kind != "hang" || op.on_worker) cells.push_back({op.step, real_plugin(op.step), op.op, kind});
  // What only the teardown after the guest's poweroff calls (the undo of
  // make and wait): a failure there is a warning, the domain still goes.
  for (const char* op : {"store.remove", "clear_event_handler"})
    for (const char* kind : {"fail", "std", "int"}) cells.push_back({"teardown", "core", op, kind});
  // The other builder (a PVH domain, the test kernel's 64-bit entry): its
  // own worker job and its own handling of a cancel.
  for (const char* op : {"populate_physmap", "map", "set_vcpu_context"})
    for (const char* kind : kKinds) cells.push_back({"build", "build_pv", op, kind});
  return cells;
}

std::string cell_pipeline(const FaultCell& cell, const std::string& platform) {
  std::ostringstream y;
  const bool stage_fault = cell.op.empty() && cell.kind != "none";
  const bool pvh = cell.plugin == "build_pv";
  const std::string builder = pvh ? "build_pv" : "build_hvm";
  y << "platform: faulty\n"
    << "plugins: {search_path: [" << test::test_plugin_dir().string() << "]}\n"
    << "stages: {build: " << (stage_fault && cell.step == "build" ? "thrower" : builder);
  if (stage_fault && cell.step != "build") y << ", " << cell.step << ": thrower";
  y << "}\nparams:\n"
    << "  faulty: {inner: " << platform;
  if (!cell.op.empty()) y << ", op: " << cell.op << ", fault: " << cell.kind;
  y << "}\n";
  if (!stage_fault || cell.step != "build")
    y << "  " << builder << ": {entry: " << (pvh ? "linux64" : "direct") << "}\n";
  if (stage_fault) y << "  thrower: " << thrower_params(cell) << "\n";
  y << "domain:\n"
    << "  name: " << kDomain << "\n  type: " << (pvh ? "pvh" : "hvm\n  firmware: hvmloader")
    << "\n  memory: 32M\n  vcpus: 1\n"
    << "  kernel: " << (test::build_dir() / "tests/guests/testkernel.bzImage").string() << "\n"
    << "  cmdline: \"console=ttyS0\"\n  on_poweroff: destroy\n  on_crash: destroy\n"
    << "  timeouts: {" << (cell.kind == "hang" ? cell.step + ": " + kTimeout : "wait: 60s") << "}\n";
  return y.str();
}

int expected_exit(const FaultCell& cell) {
  if (cell.kind == "none" || cell.step == "teardown") return 0;
  return cell.kind == "sigterm" ? 130 : 2;
}

std::string expected_message(const FaultCell& cell) {
  if (cell.step == "teardown") return "guest poweroff (port 0x604 SLP_EN)";
  if (cell.kind == "sigterm") return "cancelled: terminated (SIGTERM)";
  const std::string stage = "stage " + cell.step + " (" + cell.plugin + ")";
  if (cell.kind == "hang") return stage + " timed out after " + kTimeout;
  if (cell.kind == "int") return stage + " failed: non-standard exception of type 'int'";
  if (cell.op.empty())
    return stage + " failed: thrower: " + (cell.kind == "fail" ? "completion" : "async_run") + " failed on purpose";
  return stage + " failed: faulty: " + cell.op + " failed on purpose";
}

std::string expected_stderr(const FaultCell& cell) {
  if (cell.step == "teardown") {
    const std::string what = cell.op == "store.remove" ? "removing store entries" : "clearing the event handler";
    const std::string reason =
        cell.kind == "int" ? "non-standard exception of type 'int'" : "faulty: " + cell.op + " failed on purpose";
    return std::string("hvmtool: warning: [") + kDomain + "] " + what + " failed: " + reason + "\n";
  }
  return std::string("hvmtool: ") + kDomain + ": " + expected_message(cell) + "\n";
}

std::string without_info_lines(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (!line.starts_with("hvmtool: info: ")) out += line + "\n";
  return out;
}

}  // namespace hvmtool::faults
