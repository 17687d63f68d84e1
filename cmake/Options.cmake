# Project switches, all prefixed LG_. Strict defaults when loadgen is the top-level project.
option(LG_BUILD_TESTS "Build the Catch2 test executables" ${PROJECT_IS_TOP_LEVEL})
option(LG_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)
option(LG_ENABLE_ASAN "Build with AddressSanitizer" OFF)
option(LG_ENABLE_UBSAN "Build with UndefinedBehaviorSanitizer" OFF)
option(LG_ENABLE_TSAN "Build with ThreadSanitizer" OFF)

# Every target links lg_options (language level, include root) and lg_warnings.
add_library(lg_options INTERFACE)
target_compile_features(lg_options INTERFACE cxx_std_23)
target_include_directories(lg_options INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)

configure_file(${PROJECT_SOURCE_DIR}/cmake/version.h.in ${PROJECT_BINARY_DIR}/generated/loadgen/version.h @ONLY)
