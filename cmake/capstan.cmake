# capstan_module(NAME SOURCES ... DEPS ...): a static library for one src/ module.
function(capstan_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(capstan_${name} STATIC ${ARG_SOURCES})
  target_include_directories(capstan_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(capstan_${name} PUBLIC ${ARG_DEPS})
endfunction()

# capstan_unit_test(NAME SOURCES ... DEPS ...): a GoogleTest binary run by ctest with label "unit".
# Tests run from the directory of their sources so that testdata/ paths are relative.
function(capstan_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()
