#include "config/xl_library.hpp"

#include <mutex>
#include <stdexcept>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "hvmtool/error.hpp"

namespace hvmtool::config {
namespace {

std::function<xl::ReadFunction> load_reader() {
  boost::system::error_code ec;
  const boost::dll::fs::path here = boost::dll::this_line_location(ec);
  const boost::dll::fs::path file = here.parent_path() / xl::kLibraryName;
  // Never unloaded: what it throws and returns must stay valid until exit.
  static boost::dll::shared_library* library = nullptr;
  auto lib = std::make_unique<boost::dll::shared_library>();
  lib->load(file, boost::dll::load_mode::rtld_now, ec);
  if (ec)
    throw ConfigError("xl.cfg files need " + file.string() + " (built with libxen-dev's libxlutil): " + ec.message());
  if (!lib->has(xl::kReadSymbol)) throw ConfigError(file.string() + " has no " + xl::kReadSymbol);
  library = lib.release();
  return library->get<xl::ReadFunction>(xl::kReadSymbol);
}

}  // namespace

xl::File read_xl_file(const std::string& display_name, const std::string& text) {
  static std::mutex mutex;
  static std::function<xl::ReadFunction> reader;
  {
    std::lock_guard lock(mutex);
    if (!reader) reader = load_reader();
  }
  xl::File file;
  try {
    reader(display_name, text, file);
  } catch (const std::runtime_error& e) {
    throw ConfigError(e.what());
  }
  return file;
}

}  // namespace hvmtool::config
