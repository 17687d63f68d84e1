# The layering rules of README.md's "Architecture" section, checked on every #include:
#   cmake -DSOURCE_DIR=<tree> -P cmake/CheckLayers.cmake
# Fails, listing FILE:LINE, the include and the rule, when a layer includes what it may not.
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "CheckLayers: pass -DSOURCE_DIR=<source tree>")
endif()

# What a forbidden include looks like (regular expressions on the included name). "stack"
# is the stack's processes and daemons; its pure model (stack/model/) is allowed where values
# are (validators, scenarios, reports).
set(io_libs "^uv\\.h$" "^llhttp\\.h$" "^nlohmann/" "^boost/")
set(engine "^loadgen/engine/" "^loadgen/http/" "^loadgen/app/")
set(upper "^reports/" "^scenarios/" "^validators/")
set(stack_procs "STACK_PROCS")  # stack/ but not stack/model/ (CMake regexes lack lookahead)
set(stack_all "^stack/")

set(_violations "")
set(_checked 0)

# check(FOLDER WHY PATTERN...): every .h/.cpp below FOLDER (minus EXCEPT_PREFIX, if set).
function(check folder why)
  file(GLOB_RECURSE files "${SOURCE_DIR}/${folder}/*.h" "${SOURCE_DIR}/${folder}/*.cpp")
  set(found "${_violations}")
  set(checked ${_checked})
  foreach(file IN LISTS files)
    file(RELATIVE_PATH rel "${SOURCE_DIR}" "${file}")
    if(EXCEPT_PREFIX AND rel MATCHES "^${EXCEPT_PREFIX}")
      continue()
    endif()
    math(EXPR checked "${checked} + 1")
    file(STRINGS "${file}" lines)
    set(n 0)
    foreach(line IN LISTS lines)
      math(EXPR n "${n} + 1")
      if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
        continue()
      endif()
      set(inc "${CMAKE_MATCH_1}")
      foreach(pattern IN LISTS ARGN)
        if(pattern STREQUAL "STACK_PROCS")
          set(bad FALSE)
          if(inc MATCHES "^stack/" AND NOT inc MATCHES "^stack/model/")
            set(bad TRUE)
          endif()
        elseif(inc MATCHES "${pattern}")
          set(bad TRUE)
        else()
          set(bad FALSE)
        endif()
        if(bad)
          list(APPEND found "${rel}:${n}: #include <${inc}>: ${why}")
        endif()
      endforeach()
    endforeach()
  endforeach()
  set(_violations "${found}" PARENT_SCOPE)
  set(_checked ${checked} PARENT_SCOPE)
endfunction()

check(loadgen/core "core is pure values: no I/O library, no system under test, no upper layer"
      ${io_libs} ${engine} ${upper} ${stack_all})
check(stack/model "the stack model is pure values" ${io_libs} ${engine} ${upper} ${stack_procs})
check(validators "validators judge values: no I/O library, engine, stack processes or reports"
      ${io_libs} ${engine} "^reports/" "^scenarios/" ${stack_procs})
check(scenarios "scenarios parse files into values: no engine, libuv, llhttp, Boost or stack processes"
      "^uv\\.h$" "^llhttp\\.h$" "^boost/" ${engine} "^reports/" ${stack_procs})
check(reports "reports read and write results: no engine, libuv, llhttp, Boost or stack processes"
      "^uv\\.h$" "^llhttp\\.h$" "^boost/" ${engine} ${stack_procs})
set(EXCEPT_PREFIX "stack/model/")
check(stack "the stack runs daemons: no engine, no libuv, no upper layer"
      "^uv\\.h$" "^loadgen/engine/" "^loadgen/app/" ${upper})
unset(EXCEPT_PREFIX)
check(loadgen/http "http builds and parses bytes: llhttp only"
      "^uv\\.h$" "^nlohmann/" "^boost/" "^loadgen/engine/" "^loadgen/app/" ${upper} ${stack_all})
check(loadgen/json "the JSON walker reads documents: nlohmann only"
      "^uv\\.h$" "^llhttp\\.h$" "^boost/" ${engine} ${upper} ${stack_all} "^loadgen/core/")
check(loadgen/cli "the flag table parses argv: pure"
      ${io_libs} ${engine} ${upper} ${stack_all})
check(loadgen/actions "timed action kinds act on the system under test: no engine, no upper layer"
      "^uv\\.h$" "^llhttp\\.h$" ${engine} ${upper})
check(loadgen/faultproxy "the fault proxy forwards bytes: libuv only, no engine, no stack, no upper layer"
      "^llhttp\\.h$" "^nlohmann/" "^boost/" ${engine} ${upper} ${stack_all})
check(loadgen/engine "the engine sends load: no JSON, no Boost, no system under test, no upper layer"
      "^nlohmann/" "^boost/" "^loadgen/app/" ${upper} ${stack_all})

if(_violations)
  list(REMOVE_DUPLICATES _violations)
  list(LENGTH _violations count)
  list(JOIN _violations "\n  " text)
  message(FATAL_ERROR "layering: ${count} forbidden include(s):\n  ${text}\n")
endif()
message(STATUS "layering: ${_checked} files checked, no forbidden include")
