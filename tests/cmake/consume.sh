#!/bin/sh
# Builds and runs tests/cmake/consumer.cpp the way a user of leadscout would.
#   consume.sh install          BUILD_DIR PREFIX
#   consume.sh find_package     PREFIX WORK
#   consume.sh pkg_config       PREFIX WORK
#   consume.sh add_subdirectory SOURCE_DIR WORK
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=$1
cxx=${CXX:-c++}
case "$mode" in
  install)
    cmake --install "$2" --prefix "$3" >/dev/null
    test -f "$3/include/leadscout/log.hpp"
    echo "installed"
    ;;
  find_package)
    cmake -S "$here/find_package" -B "$3/fp" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$2" >/dev/null
    cmake --build "$3/fp" >/dev/null
    LEADSCOUT_LOG_DIR="$3/fp-logs" "$3/fp/consumer"
    ;;
  pkg_config)
    libdir=$(ls -d "$2"/lib*/pkgconfig | head -n 1)
    flags=$(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs leadscout)
    # The standard is the user's choice: leadscout.pc sets none.
    $cxx -std=c++20 "$here/consumer.cpp" -o "$3/pc-consumer" $flags
    LEADSCOUT_LOG_DIR="$3/pc-logs" "$3/pc-consumer"
    ;;
  add_subdirectory)
    cmake -S "$here/add_subdirectory" -B "$3/as" -DCMAKE_BUILD_TYPE=Release -DLEADSCOUT_SOURCE_DIR="$2" >/dev/null
    cmake --build "$3/as" -j 2 --target consumer >/dev/null
    LEADSCOUT_LOG_DIR="$3/as-logs" "$3/as/consumer"
    ;;
  *) echo "consume.sh: unknown mode $mode" >&2; exit 2 ;;
esac
