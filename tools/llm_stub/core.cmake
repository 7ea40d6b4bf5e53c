# leadscout_llm_stub_core: the provider stub without its command line. The demo runs it in
# process as its simulated provider, so it is defined with the demo (included from
# examples/demo_500_leads), whether or not the tools are built.
if(NOT TARGET nlohmann_json::nlohmann_json)
  find_package(nlohmann_json 3.11 CONFIG REQUIRED)
endif()
find_package(PkgConfig REQUIRED)
pkg_check_modules(LEADSCOUT_STUB_HTTPLIB REQUIRED cpp-httplib)

# Parsing, limits, bodies, headers, stats and the routes: linked by the tool, the demo and tests.
add_library(leadscout_llm_stub_core STATIC
  ${CMAKE_CURRENT_LIST_DIR}/anthropic_batches.cpp
  ${CMAKE_CURRENT_LIST_DIR}/batch_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/openai_batches.cpp
  ${CMAKE_CURRENT_LIST_DIR}/protocol.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rate_limiter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/responses.cpp
  ${CMAKE_CURRENT_LIST_DIR}/server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/service.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stats.cpp
  $<TARGET_OBJECTS:leadscout_common>
  $<TARGET_OBJECTS:leadscout_llm_wire>)
target_compile_features(leadscout_llm_stub_core PUBLIC cxx_std_20)
# The chat APIs' wire shapes are leadscout::llm's own (src/llm/wire), compiled in here too.
target_include_directories(leadscout_llm_stub_core PUBLIC ${CMAKE_CURRENT_LIST_DIR}
  ${PROJECT_SOURCE_DIR}/src/common ${PROJECT_SOURCE_DIR}/src/llm/wire ${PROJECT_SOURCE_DIR}/include)
# The httplib library was compiled with these definitions; its class layouts depend on them.
target_include_directories(leadscout_llm_stub_core SYSTEM PUBLIC ${LEADSCOUT_STUB_HTTPLIB_INCLUDE_DIRS})
target_compile_options(leadscout_llm_stub_core PUBLIC ${LEADSCOUT_STUB_HTTPLIB_CFLAGS_OTHER})
target_link_libraries(leadscout_llm_stub_core
  PUBLIC demo_500_leads_core ${LEADSCOUT_STUB_HTTPLIB_LIBRARIES} Threads::Threads
  PRIVATE nlohmann_json::nlohmann_json)
leadscout_set_warnings(leadscout_llm_stub_core)
