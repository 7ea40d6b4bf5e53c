include(GenerateExportHeader)

# leadscout_configure_library(TARGET COMPONENT): what every leadscout library shares.
# - Its export name (leadscout::COMPONENT) and file name (libleadscout_COMPONENT).
# - Hidden symbols, except those marked LEADSCOUT_<COMPONENT>_EXPORT in the generated
#   <leadscout/COMPONENT/export.hpp> (installed with the headers).
# - For a shared library on ELF platforms, the version script cmake/leadscout.map, which keeps
#   the dynamic symbol table to namespace leadscout.
# - VERSION and SOVERSION: the major version, or "0.MINOR" before 1.0, when a minor version may
#   break the ABI (as leadscoutConfigVersion.cmake's compatibility).
# - The project's warnings.
# A static library defines LEADSCOUT_STATIC_DEFINE for itself and its users, which empties
# the export macros.
function(leadscout_configure_library target component)
  string(TOUPPER "${component}" upper)
  set(header "${PROJECT_BINARY_DIR}/include/leadscout/${component}/export.hpp")
  generate_export_header(${target}
    BASE_NAME LEADSCOUT_${upper}
    EXPORT_FILE_NAME "${header}"
    STATIC_DEFINE LEADSCOUT_STATIC_DEFINE)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${target} PUBLIC cxx_std_20)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    target_compile_definitions(${target} PUBLIC LEADSCOUT_STATIC_DEFINE)
  elseif(type STREQUAL "SHARED_LIBRARY" AND NOT APPLE AND NOT WIN32)
    set(map "${PROJECT_SOURCE_DIR}/cmake/leadscout.map")
    target_link_options(${target} PRIVATE "LINKER:--version-script=${map}")
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${map}")
  endif()
  set_target_properties(${target} PROPERTIES
    EXPORT_NAME ${component}
    OUTPUT_NAME leadscout_${component}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    VERSION ${PROJECT_VERSION}
    SOVERSION ${LEADSCOUT_SOVERSION}
    POSITION_INDEPENDENT_CODE ON)
  leadscout_set_warnings(${target})
  set_property(GLOBAL APPEND PROPERTY LEADSCOUT_EXPORT_HEADERS "${header}")
endfunction()
