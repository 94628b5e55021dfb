// libhvmtool-xlu.so: reads an xl.cfg file with libxlutil, the parser xl
// itself uses, so that hvmtool accepts exactly the syntax xl accepts (and
// xl's disk specs, positional and key=value, through xlu_disk_parse).

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>

extern "C" {
#include <libxl.h>
#include <libxlutil.h>
}

#include "xl_file.hpp"
#include "xl_keys.hpp"

namespace hvmtool::xl {
namespace {

// libxlutil reports on a FILE*; this one collects into memory.
class Report {
 public:
  Report() : file_(open_memstream(&buf_, &len_)) {
    if (!file_) throw std::runtime_error(std::string("cannot make a report stream: ") + std::strerror(errno));
  }
  ~Report() {
    std::fclose(file_);
    std::free(buf_);
  }
  Report(const Report&) = delete;
  Report& operator=(const Report&) = delete;

  FILE* file() const { return file_; }
  // The first line libxlutil wrote since the last call, or `fallback`.
  std::string take_line(const std::string& fallback) {
    std::fflush(file_);
    std::string all(buf_ ? buf_ + taken_ : "", buf_ ? len_ - taken_ : 0);
    taken_ = len_;
    std::size_t start = all.find_first_not_of("\n");
    if (start == std::string::npos) return fallback;
    std::size_t end = all.find('\n', start);
    return all.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }

 private:
  char* buf_ = nullptr;
  std::size_t len_ = 0, taken_ = 0;
  FILE* file_;
};

struct ConfigDeleter {
  void operator()(XLU_Config* c) const { xlu_cfg_destroy(c); }
};

struct DiskHolder {
  DiskHolder() { libxl_device_disk_init(&disk); }
  ~DiskHolder() { libxl_device_disk_dispose(&disk); }
  DiskHolder(const DiskHolder&) = delete;
  DiskHolder& operator=(const DiskHolder&) = delete;
  libxl_device_disk disk;
};

[[noreturn]] void fail_at(const std::string& name, unsigned line, const std::string& key, const std::string& reason) {
  throw std::runtime_error(name + ":" + std::to_string(line) + ": key '" + key + "': " + reason);
}

Setting read_setting(XLU_Config* cfg, const std::string& name, const KeyUse& use) {
  Setting s;
  s.key = use.key;
  s.line = use.line;
  const char* value = nullptr;
  if (xlu_cfg_get_string(cfg, use.key.c_str(), &value, 1) == 0) {
    s.value = value ? value : "";
    return s;
  }
  XLU_ConfigList* list = nullptr;
  int count = 0;
  if (xlu_cfg_get_list(cfg, use.key.c_str(), &list, &count, 1) != 0)
    fail_at(name, use.line, use.key, "libxlutil cannot read its value");
  s.is_list = true;
  for (int i = 0; i < count; ++i) {
    const char* item = xlu_cfg_get_listitem(list, i);
    if (!item) fail_at(name, use.line, use.key, "item " + std::to_string(i) + " is a list; expected a string");
    s.items.emplace_back(item);
  }
  return s;
}

Disk read_disk(XLU_Config* cfg, Report& report, const std::string& name, unsigned line, const std::string& spec) {
  DiskHolder h;
  const char* specs[] = {spec.c_str()};
  if (int e = xlu_disk_parse(cfg, 1, specs, &h.disk); e != 0) {
    std::string why = report.take_line(std::strerror(e));
    if (why.rfind(name + ": ", 0) == 0) why.erase(0, name.size() + 2);  // fail_at names the file
    fail_at(name, line, "disk", why);
  }
  Disk d;
  d.spec = spec;
  d.target = h.disk.pdev_path ? h.disk.pdev_path : "";
  d.vdev = h.disk.vdev ? h.disk.vdev : "";
  const char* format = libxl_disk_format_to_string(h.disk.format);
  d.format = format ? format : "unknown";
  for (char& c : d.format) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  d.readwrite = h.disk.readwrite != 0;
  d.cdrom = h.disk.is_cdrom != 0;
  return d;
}

}  // namespace

}  // namespace hvmtool::xl

extern "C" __attribute__((visibility("default"))) void hvmtool_xlu_read(const std::string& name,
                                                                        const std::string& text,
                                                                        hvmtool::xl::File& out) {
  using namespace hvmtool::xl;
  Report report;
  std::unique_ptr<XLU_Config, ConfigDeleter> cfg(xlu_cfg_init(report.file(), name.c_str()));
  if (!cfg) throw std::runtime_error(name + ": cannot start libxlutil: " + std::strerror(errno));
  if (text.find('\0') != std::string::npos) throw std::runtime_error(name + ": a NUL byte; an xl.cfg file is text");
  if (int e = xlu_cfg_readdata(cfg.get(), text.data(), static_cast<int>(text.size())); e != 0)
    throw std::runtime_error(report.take_line(name + ": " + std::strerror(e)));

  // The last definition of each key is the one xl uses.
  std::map<std::string, unsigned> last_line;
  for (const KeyUse& k : scan_keys(text)) last_line[k.key] = k.line;
  std::vector<KeyUse> uses;
  for (const auto& [key, line] : last_line) uses.push_back({key, line});
  std::stable_sort(uses.begin(), uses.end(), [](const KeyUse& a, const KeyUse& b) { return a.line < b.line; });

  File file;
  for (const KeyUse& use : uses) {
    Setting s = read_setting(cfg.get(), name, use);
    if (s.key == "disk") {
      if (!s.is_list) s.items = {s.value};
      for (const std::string& spec : s.items) file.disks.push_back(read_disk(cfg.get(), report, name, s.line, spec));
    }
    file.settings.push_back(std::move(s));
  }
  out = std::move(file);
}
