# Helpers so each folder's CMakeLists.txt stays a few lines long.

# keysweep_library(NAME SOURCES... DEPS ...): one CMake library per seam. Include paths are the
# project's src/ and include/, so headers are named by folder ("core/blob.h").
function(keysweep_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(${name} PRIVATE ${KEYSWEEP_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# keysweep_test(NAME SOURCES... DEPS ...): a GoogleTest binary registered with CTest.
# Tests run with the source root as working directory so fixtures are found by relative path.
function(keysweep_test name)
  if(NOT KEYSWEEP_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${KEYSWEEP_WARNINGS})
  target_compile_definitions(${name} PRIVATE KEYSWEEP_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                              KEYSWEEP_BINARY_DIR="${PROJECT_BINARY_DIR}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} DISCOVERY_TIMEOUT 60)
endfunction()

# keysweep_fuzzer(NAME SOURCE DEPS ...): a libFuzzer target, built only with -DKEYSWEEP_FUZZ=ON.
function(keysweep_fuzzer name)
  if(NOT KEYSWEEP_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_property(GLOBAL APPEND PROPERTY KEYSWEEP_FUZZERS ${name})
  add_dependencies(keysweep_fuzzers ${name})
endfunction()
