# hvmtool_add_plugin(NAME SOURCES src...)
# Builds plugin NAME as hvmtool-NAME.so, the file name the loader looks for.
# Installed with the package, so out-of-tree plugins use the same function.
function(hvmtool_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target hvmtool_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME hvmtool-${name}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Unloadable in every build: see -fno-gnu-unique in hvmtool's CMakeLists.txt.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -fno-gnu-unique)
  endif()
  if(TARGET hvmtool::hvmtool)
    target_link_libraries(${target} PRIVATE hvmtool::hvmtool ${ARG_LIBRARIES})
  else()
    target_link_libraries(${target} PRIVATE hvmtool ${ARG_LIBRARIES})
  endif()
  if(DEFINED HVMTOOL_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${HVMTOOL_PLUGIN_OUTPUT_DIR})
  endif()
  if(COMMAND hvmtool_warnings)
    hvmtool_warnings(${target})
  endif()
  if(DEFINED HVMTOOL_INSTALL_PLUGINDIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${HVMTOOL_INSTALL_PLUGINDIR})
  endif()
endfunction()
