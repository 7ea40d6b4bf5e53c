#!/bin/sh
# Builds and runs the consumer programs of tests/cmake the way a user of leadscout would.
#   consume.sh install          BUILD_DIR PREFIX      install a build; no private header installed
#   consume.sh build_install    SOURCE_DIR WORK [CMAKE_ARGS...]
#                                                     configure, build and install leadscout alone
#                                                     (libraries only) into WORK/prefix
#   consume.sh find_package     PREFIX WORK [CMAKE_ARGS...]
#                                                     the find_package consumers, built and run
#   consume.sh pkg_config       PREFIX WORK           consumer.cpp built with pkg-config's flags
#   consume.sh headers          PREFIX WORK           every installed header compiles on its own
#   consume.sh symbols          PREFIX                the shared libraries export only leadscout::
#   consume.sh no_monitor       PREFIX WORK           find_package without monitor; asking for it fails
#   consume.sh version          PREFIX                version.hpp, the CMake package and the .pc file agree
#   consume.sh add_subdirectory SOURCE_DIR WORK
# CXX is the compiler; LEADSCOUT_CXX_LAUNCHER (e.g. ccache) and LEADSCOUT_UNITY_BUILD (the
# parent build's CMAKE_UNITY_BUILD) are passed to the builds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=$1
cxx=${CXX:-c++}
launcher=${LEADSCOUT_CXX_LAUNCHER:-}
unity=${LEADSCOUT_UNITY_BUILD:-}
# The private batch headers: never installed.
private_headers="journal estimator files progress_bar rate_limiter retry signals systemd"

# configure SOURCE BUILD [CMAKE_ARGS...]: a configuration with this compiler and no build type
# (no optimisation, no debug information): these builds check the package, not its code, which
# the parent build compiles optimised with warnings as errors; unoptimised they compile in 40 %
# less time.
configure() {
  src=$1 build=$2
  shift 2
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_COMPILER="$cxx" \
    ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} ${unity:+-DCMAKE_UNITY_BUILD="$unity"} "$@" >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log" >&2; return 1; }
}

# run PROGRAM LOG_DIR: runs a consumer with its own log directory.
run() {
  rm -rf "$2"
  LEADSCOUT_LOG_DIR="$2" "$1"
}

case "$mode" in
  install)
    rm -rf "$3"
    cmake --install "$2" --prefix "$3" >/dev/null
    test -f "$3/include/leadscout/log.hpp"
    test -f "$3/include/leadscout/log/export.hpp"
    for h in $private_headers; do
      found=$(find "$3/include" -name "$h.hpp")
      if [ -n "$found" ]; then echo "private header installed: $found" >&2; exit 1; fi
    done
    echo "installed"
    ;;
  build_install)
    src=$2 work=$3
    shift 3
    mkdir -p "$work"
    configure "$src" "$work/build" -DLEADSCOUT_BUILD_TESTS=OFF -DLEADSCOUT_BUILD_EXAMPLES=OFF \
      -DLEADSCOUT_BUILD_BENCH=OFF -DLEADSCOUT_BUILD_TOOLS=OFF "$@"
    cmake --build "$work/build" -j 2 >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
    "$0" install "$work/build" "$work/prefix"
    ;;
  find_package)
    prefix=$2 work=$3
    shift 3
    mkdir -p "$work"
    configure "$here/find_package" "$work/fp" -DCMAKE_PREFIX_PATH="$prefix" "$@"
    cmake --build "$work/fp" -j 2 >"$work/fp.build.log" 2>&1 || { cat "$work/fp.build.log" >&2; exit 1; }
    run "$work/fp/consumer" "$work/fp-logs"
    if [ -x "$work/fp/batch_consumer" ]; then run "$work/fp/batch_consumer" "$work/fp-batch-logs"; fi
    if [ -x "$work/fp/llm_consumer" ]; then run "$work/fp/llm_consumer" "$work/fp-llm-logs"; fi
    ;;
  pkg_config)
    libdir=$(ls -d "$2"/lib*/pkgconfig | head -n 1)
    cflags=$(PKG_CONFIG_PATH="$libdir" pkg-config --cflags leadscout)
    case " $cflags " in *" -std="*) echo "leadscout.pc forces a language standard: $cflags" >&2; exit 1 ;; esac
    libs=$(PKG_CONFIG_PATH="$libdir" pkg-config --libs leadscout)
    mkdir -p "$3"
    # shellcheck disable=SC2086  # the flags are several words
    $cxx -std=c++20 "$here/consumer.cpp" -o "$3/pc-consumer" $cflags $libs
    # A shared build is found at run time through the library path, as pkg-config users do.
    LD_LIBRARY_PATH="$(dirname "$libdir")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LD_LIBRARY_PATH
    run "$3/pc-consumer" "$3/pc-logs"
    ;;
  headers)
    mkdir -p "$3"
    configure "$here/headers" "$3/headers" -DCMAKE_PREFIX_PATH="$2"
    cmake --build "$3/headers" -j 2 >"$3/headers.build.log" 2>&1 || { cat "$3/headers.build.log" >&2; exit 1; }
    grep "installed headers" "$3/headers.configure.log" | sed 's/^-- //'
    echo "headers ok"
    ;;
  symbols)
    sh "$here/check_symbols.sh" "$2"
    ;;
  no_monitor)
    prefix=$2 work=$3
    mkdir -p "$work"
    if [ -e "$prefix/include/leadscout/monitor.hpp" ]; then echo "monitor headers installed" >&2; exit 1; fi
    # Neither the build (see build_install's arguments in CMakeLists.txt) nor the consumer may
    # look for cpp-httplib, which only pkg-config finds.
    "$0" find_package "$prefix" "$work" -DCONSUMER_COMPONENTS="log;batch" -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON
    if configure "$here/find_package" "$work/fp-monitor" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCONSUMER_COMPONENTS="log;batch;monitor" 2>/dev/null; then
      echo "find_package(leadscout COMPONENTS monitor) succeeded without the monitor" >&2
      exit 1
    fi
    grep -q 'leadscout has no component "monitor"' "$work/fp-monitor.configure.log" ||
      { cat "$work/fp-monitor.configure.log" >&2; exit 1; }
    echo "missing component reported"
    ;;
  version)
    # One number: the installed version.hpp, leadscoutConfigVersion.cmake and leadscout.pc.
    header=$(sed -n 's/^#define LEADSCOUT_VERSION_STRING "\(.*\)"$/\1/p' "$2/include/leadscout/version.hpp")
    cmake_version=$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' "$2"/lib*/cmake/leadscout/leadscoutConfigVersion.cmake)
    pc_version=$(sed -n 's/^Version: *//p' "$2"/lib*/pkgconfig/leadscout.pc)
    echo "version.hpp $header, CMake package $cmake_version, leadscout.pc $pc_version"
    [ -n "$header" ] && [ "$header" = "$cmake_version" ] && [ "$header" = "$pc_version" ]
    echo "one version"
    ;;
  add_subdirectory)
    mkdir -p "$3"
    configure "$here/add_subdirectory" "$3/as" -DLEADSCOUT_SOURCE_DIR="$2"
    cmake --build "$3/as" -j 2 --target consumer >"$3/as.build.log" 2>&1 || { cat "$3/as.build.log" >&2; exit 1; }
    run "$3/as/consumer" "$3/as-logs"
    ;;
  *) echo "consume.sh: unknown mode $mode" >&2; exit 2 ;;
esac
