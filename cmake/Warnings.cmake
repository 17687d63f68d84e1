# Warning flags on an INTERFACE target; LG_WARNINGS_AS_ERRORS (CI sets it) turns them into errors.
# Not -Wnull-dereference: with GCC 12 at -O2 it fires inside libstdc++'s std::string.
add_library(lg_warnings INTERFACE)
target_compile_options(lg_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wimplicit-fallthrough>
  $<$<BOOL:${LG_WARNINGS_AS_ERRORS}>:-Werror>)
