#pragma once

// The image loaders build_pv knows, by the entry mode that picks one
// (`params.build_pv.entry`, or the domain type's default). An explicit table,
// as hvmloader's bios_configs is, rather than loaders registering themselves
// from static constructors as Xen's xc_dom_loaders do: build_pv's body is a
// static library, and the linker leaves out of the plugin any object file
// nothing refers to, constructor and all. Here the table refers to each
// loader's factory, so every listed loader is linked in.
//
// A new kind of image: its own file defining make_KIND_loader(), declared
// and listed below (and the file in CMakeLists.txt).

#include <array>
#include <memory>
#include <string_view>

#include "image_loader.hpp"

namespace hvmtool::build_pv {

struct LoaderKind {
  std::string_view mode;  // the entry mode's name in the pipeline file
  std::unique_ptr<ImageLoader> (*make)();
};

std::unique_ptr<ImageLoader> make_linux64_loader();
std::unique_ptr<ImageLoader> make_pvh_loader();

inline constexpr std::array kImageLoaders{
    LoaderKind{"linux64", &make_linux64_loader},
    LoaderKind{"pvh", &make_pvh_loader},
};

// The loader of entry mode `mode`; an Error naming the known modes if none.
const LoaderKind& find_loader(std::string_view mode);

}  // namespace hvmtool::build_pv
