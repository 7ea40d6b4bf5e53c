#!/usr/bin/env bash
# Installs what is missing (Debian packages), configures, builds and runs every test.
#   scripts/test.sh             the test suite (RelWithDebInfo, warnings as errors)
#   scripts/test.sh --browser   installs Chromium first, so the browser test runs too
# The exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make pkg-config libspdlog-dev libfmt-dev nlohmann-json3-dev libgtest-dev libgmock-dev
          libbenchmark-dev zlib1g-dev libcli11-dev libcpp-httplib-dev)
build_dir=build/test
for arg in "$@"; do
  case "$arg" in
    --browser) packages+=(chromium) ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "scripts/test.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "== installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "scripts/test.sh: missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

jobs=$(nproc 2>/dev/null || echo 2)
echo "== configure ($build_dir)"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEADSCOUT_WERROR=ON >/dev/null
echo "== build"
cmake --build "$build_dir" -j "$jobs"
echo "== test"
cd "$build_dir"
ctest --output-on-failure -j "$jobs" --timeout 300
