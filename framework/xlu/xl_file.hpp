#pragma once

// An xl.cfg file as libxlutil reads it, in plain standard types: the hand-over
// between libhvmtool-xlu.so (which links libxlutil and libxenlight, and is
// loaded only when an xl.cfg file is given) and the framework's translation
// into a pipeline. Header-only on purpose: both sides compile it.

#include <string>
#include <vector>

namespace hvmtool::xl {

// One setting, as xl sees it after the whole file is read (a later
// definition replaces an earlier one; `+=` appends).
struct Setting {
  std::string key;
  unsigned line = 0;  // of the last definition in the file
  bool is_list = false;
  std::string value;               // when !is_list
  std::vector<std::string> items;  // when is_list (nested lists are refused)
};

// One `disk` entry after xlu_disk_parse.
struct Disk {
  std::string spec;  // as written
  std::string target, vdev, format;
  bool readwrite = true;
  bool cdrom = false;
};

struct File {
  std::vector<Setting> settings;  // in the order of their last definition's line
  std::vector<Disk> disks;
};

// The entry point libhvmtool-xlu.so exports (extern "C" for a stable name).
// Throws std::runtime_error with a one-line "FILE:LINE: reason" message.
using ReadFunction = void(const std::string& display_name, const std::string& text, File& out);
inline constexpr const char* kReadSymbol = "hvmtool_xlu_read";
inline constexpr const char* kLibraryName = "libhvmtool-xlu.so";

}  // namespace hvmtool::xl
