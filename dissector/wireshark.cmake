# Finds Wireshark's development files once; dissector/ and tests/dissector/
# both include this, so they agree on whether the plugin is built.
# Sets ALB_WS_OK (and the imported target PkgConfig::WS) or ALB_WS_WHY, and
# with ALB_WS_OK:
#   ALB_WS_PLUGIN_ABI  the plugin folder version of that release, "X.Y"
#                      (plugins load from <plugin dir>/X.Y/epan)
#   ALB_WS_DEFS        compile definitions ws_compat.h reads
#   ALB_WS_PLUGIN_INSTALL_DIR  where `cmake --install` puts the plugin
# Supported: Wireshark 4.0 to 4.6; a newer one is tried, with a warning.
set(ALB_WS_OK FALSE)
set(ALB_WS_WHY "")
if(NOT ALB_BUILD_DISSECTOR)
  set(ALB_WS_WHY "disabled (ALB_BUILD_DISSECTOR=OFF)")
  return()
endif()
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND AND NOT TARGET PkgConfig::WS)
  pkg_check_modules(WS QUIET IMPORTED_TARGET GLOBAL wireshark>=4.0)
endif()
if(NOT TARGET PkgConfig::WS)
  set(ALB_WS_WHY "pkg-config module wireshark>=4.0 not found; install libwireshark-dev, libglib2.0-dev and libgcrypt20-dev")
  return()
endif()
if(NOT WS_VERSION MATCHES "^([0-9]+)\\.([0-9]+)")
  set(ALB_WS_WHY "cannot read Wireshark's version from '${WS_VERSION}'")
  return()
endif()
set(ALB_WS_PLUGIN_ABI "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")

# The probes below run once per build folder; their answers are cached.
if(NOT DEFINED ALB_WS_PROBED_VERSION OR NOT ALB_WS_PROBED_VERSION STREQUAL WS_VERSION)
  if(NOT WS_VERSION VERSION_LESS 4.7)
    message(WARNING "Wireshark ${WS_VERSION} is newer than the releases this plugin is tested "
                    "with (4.0 to 4.6); trying to build it anyway")
  endif()
  include(CheckCSourceCompiles)
  include(CMakePushCheckState)
  cmake_push_check_state(RESET)
  set(CMAKE_REQUIRED_LIBRARIES PkgConfig::WS)   # for its include folders
  set(CMAKE_REQUIRED_QUIET TRUE)
  set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)   # compile only
  # a pointer of the wrong type must fail the probe, whatever the compiler
  set(CMAKE_REQUIRED_FLAGS "-Werror=incompatible-pointer-types")
  unset(ALB_WS_BOOL_PREFS CACHE)
  unset(ALB_WS_BOOL_HEUR CACHE)
  # the probes' sources are dissector/probes/*.c (scripts/check-ws-headers.sh
  # runs the same files against a Wireshark source tree)
  foreach(probe BOOL_PREFS BOOL_HEUR)
    string(TOLOWER ${probe} file)
    file(READ ${CMAKE_CURRENT_LIST_DIR}/probes/${file}.c source)
    check_c_source_compiles("${source}" ALB_WS_${probe})
  endforeach()
  cmake_pop_check_state()
  set(ALB_WS_PROBED_VERSION "${WS_VERSION}" CACHE INTERNAL "Wireshark version the probes ran against")
endif()
set(ALB_WS_DEFS "")
foreach(probe ALB_WS_BOOL_PREFS ALB_WS_BOOL_HEUR)
  if(${probe})
    list(APPEND ALB_WS_DEFS ${probe})
  endif()
endforeach()

# Install: under the prefix by default, at the place Wireshark's own plugin
# folder has under Wireshark's prefix (lib/<multiarch>/wireshark/plugins/
# X.Y/epan on Debian), so that --prefix and DESTDIR keep every file in the
# staging tree; ALB_INSTALL_SYSTEM_PLUGIN puts it into the plugin folder of
# the Wireshark found instead, whatever the prefix.
option(ALB_INSTALL_SYSTEM_PLUGIN
  "Install the Wireshark plugin into the system plugin folder of the Wireshark found, not under CMAKE_INSTALL_PREFIX" OFF)
pkg_get_variable(WS_PLUGINDIR wireshark plugindir)
pkg_get_variable(WS_PREFIX wireshark prefix)
set(ws_rel "")
if(WS_PLUGINDIR AND WS_PREFIX)
  file(RELATIVE_PATH ws_rel "${WS_PREFIX}" "${WS_PLUGINDIR}")
endif()
if(ws_rel STREQUAL "" OR ws_rel MATCHES "^\\.\\.")
  # wireshark.pc names no plugin folder under its prefix: Wireshark's default
  set(ws_rel "${CMAKE_INSTALL_LIBDIR}/wireshark/plugins/${ALB_WS_PLUGIN_ABI}")
endif()
if(ALB_INSTALL_SYSTEM_PLUGIN)
  if(NOT WS_PLUGINDIR)
    message(FATAL_ERROR "ALB_INSTALL_SYSTEM_PLUGIN: wireshark.pc names no plugindir")
  endif()
  set(ALB_WS_PLUGIN_INSTALL_DIR "${WS_PLUGINDIR}/epan")
else()
  set(ALB_WS_PLUGIN_INSTALL_DIR "${ws_rel}/epan")
endif()
set(ALB_WS_OK TRUE)
