# find_package(albatross-wire) gives the imported target albatross::wire.
include("${CMAKE_CURRENT_LIST_DIR}/albatross-wire-targets.cmake")
