# Helpers for hvmtool's own tree (not installed: out-of-tree plugins use
# HvmtoolPlugin.cmake's hvmtool_add_plugin alone).

# hvmtool_add_body_library(NAME SOURCES src... [INCLUDE dir] [LIBRARIES lib...] [GNU])
#   The body of a plugin: everything but its factory, as a static,
#   position-independent library with hidden symbols (it is linked into the
#   plugin .so, whose only export is the factory, and into the tests that
#   drive it directly), warnings on. GNU: -std=gnu++20, which Xen's public
#   headers need (anonymous structs in domctl.h -> hvm/save.h).
function(hvmtool_add_body_library name)
  cmake_parse_arguments(ARG "GNU" "INCLUDE" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  if(ARG_INCLUDE)
    target_include_directories(${name} PUBLIC ${ARG_INCLUDE})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_GNU)
    set_target_properties(${name} PROPERTIES CXX_EXTENSIONS ON)
  endif()
  hvmtool_warnings(${name})
endfunction()

# hvmtool_require_subdirectory(DIR): add_subdirectory(DIR), or a configure
# error naming it when it has no CMakeLists.txt: a folder the build expects
# and cannot find is a broken tree, not a smaller product.
macro(hvmtool_require_subdirectory dir)
  if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt)
    message(FATAL_ERROR "hvmtool: ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt is missing (an incomplete checkout?)")
  endif()
  add_subdirectory(${dir})
endmacro()
