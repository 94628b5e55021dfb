#include "loader_table.hpp"

#include <string>

namespace hvmtool::build_pv {

const LoaderKind& find_loader(std::string_view mode) {
  std::string known;
  for (const LoaderKind& k : kImageLoaders) {
    if (k.mode == mode) return k;
    known += (known.empty() ? "" : ", ") + std::string(k.mode);
  }
  throw Error("build_pv: no image loader for entry mode '" + std::string(mode) + "' (known: " + known + ")");
}

}  // namespace hvmtool::build_pv
