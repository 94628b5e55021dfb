# CMake package so an out-of-tree plugin can `find_package(hvmtool)` and call
# hvmtool_add_plugin() against the installed public headers alone.
include(CMakePackageConfigHelpers)
set(HVMTOOL_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hvmtool)

install(EXPORT hvmtoolTargets NAMESPACE hvmtool:: DESTINATION ${HVMTOOL_CMAKE_INSTALL_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/hvmtoolConfig.cmake.in
  ${CMAKE_BINARY_DIR}/hvmtoolConfig.cmake
  INSTALL_DESTINATION ${HVMTOOL_CMAKE_INSTALL_DIR}
  PATH_VARS HVMTOOL_INSTALL_PLUGINDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/hvmtoolConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES
  ${CMAKE_BINARY_DIR}/hvmtoolConfig.cmake
  ${CMAKE_BINARY_DIR}/hvmtoolConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/HvmtoolPlugin.cmake
  DESTINATION ${HVMTOOL_CMAKE_INSTALL_DIR})
