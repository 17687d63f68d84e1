# Every dependency is a Debian package found on the system; nothing is downloaded.
# A missing one stops configure with the apt package to install (ci/install-deps.sh installs all).

function(lg_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR "loadgen: ${what} not found. Install the Debian package: "
                        "apt-get install ${package}   (or run: bash ci/install-deps.sh)")
  endif()
endfunction()

find_package(Threads REQUIRED)

find_package(PkgConfig QUIET)
lg_require(PkgConfig_FOUND "pkg-config" "pkg-config")

pkg_check_modules(LIBUV QUIET IMPORTED_TARGET libuv>=1.44)
lg_require(LIBUV_FOUND "libuv >= 1.44 (pkg-config libuv)" "libuv1-dev")

# OpenSSL 3: the TLS client transport (loadgen/engine) and the stack's certificates.
find_package(OpenSSL 3 QUIET)
lg_require(OPENSSL_FOUND "OpenSSL >= 3 (libssl, libcrypto)" "libssl-dev")

find_package(nlohmann_json 3.11 QUIET)
lg_require(nlohmann_json_FOUND "nlohmann_json >= 3.11" "nlohmann-json3-dev")

# llhttp has no -dev package: node-llhttp ships the generated C sources; build them here.
find_path(LLHTTP_INCLUDE_DIR llhttp.h PATHS /usr/share/include/llhttp NO_DEFAULT_PATH)
find_path(LLHTTP_SOURCE_DIR llhttp.c PATHS /usr/share/llhttp NO_DEFAULT_PATH)
lg_require(LLHTTP_INCLUDE_DIR "llhttp.h (/usr/share/include/llhttp)" "node-llhttp")
lg_require(LLHTTP_SOURCE_DIR "llhttp C sources (/usr/share/llhttp)" "node-llhttp")
add_library(llhttp_c STATIC ${LLHTTP_SOURCE_DIR}/api.c ${LLHTTP_SOURCE_DIR}/http.c
                            ${LLHTTP_SOURCE_DIR}/llhttp.c)
set_target_properties(llhttp_c PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
target_include_directories(llhttp_c SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
target_compile_options(llhttp_c PRIVATE -w)

if(LG_BUILD_TESTS)
  find_package(Catch2 2 QUIET)
  lg_require(Catch2_FOUND "Catch2 v2" "catch2")
  include(Catch)
endif()

# report.html inlines Chart.js so that it opens offline from one file: Debian's libjs-chart.js
# is read at build time into a generated source (the binary needs no package at run time).
find_file(LG_CHARTJS chart.min.js PATHS /usr/share/javascript/chart.js NO_DEFAULT_PATH)
lg_require(LG_CHARTJS "Chart.js (/usr/share/javascript/chart.js/chart.min.js)" "libjs-chart.js")
