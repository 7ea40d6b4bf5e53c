#!/usr/bin/env bash
# Installs what is missing (Debian packages), configures, builds and runs every test.
#   scripts/test.sh             the test suite (RelWithDebInfo, warnings as errors)
#   scripts/test.sh --all       also the package stage (the consumer projects: the package installed,
#                               built shared, without the monitor, vendored, the docs' examples, and
#                               the benchmarks built), the whole suite under ASan+UBSan, the
#                               concurrency tests (logging, batch, monitor) under TSan, and every
#                               fuzzer for a fixed number of inputs (scripts/fuzz.sh); any report
#                               fails the run
#   scripts/test.sh --browser   installs Chromium first, so the browser test runs too
# The exit status is ctest's (the first failing stage's). Each stage prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/packages.sh
. scripts/lib/packages.sh
packages=("${leadscout_build_packages[@]}")
all=0
for arg in "$@"; do
  case "$arg" in
    --browser) packages+=(chromium) ;;
    --all) all=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "scripts/test.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=("${leadscout_node_packages[@]}")
fi

ensure_packages scripts/test.sh "${packages[@]}"

# The SDKs the provider stub's tests drive, pinned by the committed package-lock.json. Offline,
# that test skips with a message; under CI (CI=true) it fails, so this step must succeed there.
echo "== npm: the SDKs of the provider stub's tests"
if ! (cd tests/tools/llm_stub/sdk && npm ci --no-audit --no-fund --loglevel=error); then
  [ "${CI:-}" = true ] && exit 1
  echo "scripts/test.sh: npm ci failed; the SDK test will be skipped" >&2
fi

jobs=$(nproc 2>/dev/null || echo 2)

# Ninja when it is there (leadscout_build_packages brings it); a build directory keeps the
# generator it was configured with.
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

# stage NAME BUILD_DIR CTEST_ARGS CMAKE_ARGS...: configure, build and test one configuration.
# Every configuration is a unity build: a target's sources share heavy headers (spdlog, fmt,
# nlohmann/json, httplib), and compiled a batch at a time they build in a fraction of the time.
stage() {
  local name=$1 dir=$2 ctest_args=$3 started=$SECONDS
  shift 3
  local gen=("${generator[@]}")
  [ -f "$dir/CMakeCache.txt" ] && gen=()
  echo "== $name: configure ($dir)"
  cmake -S . -B "$dir" "${gen[@]}" -DLEADSCOUT_WERROR=ON -DCMAKE_UNITY_BUILD=ON "$@" >/dev/null
  echo "== $name: build"
  cmake --build "$dir" -j "$jobs"
  echo "== $name: test"
  # shellcheck disable=SC2086  # ctest_args holds several words on purpose
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 300 $ctest_args)
  echo "== $name: done in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
}

# The consumer projects (label `package`) build or install the whole package again: --all runs
# them, in the same build directory, with the benchmarks built too.
stage "tests" build/test "-LE package" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEADSCOUT_BUILD_BENCH=OFF

if [ "$all" = 1 ]; then
  stage "package" build/test "-L package" -DLEADSCOUT_BUILD_BENCH=ON
  # Sanitizer builds skip what they cannot add to: benchmarks, and the consumer projects,
  # which build leadscout again without the sanitizer flags. GCC's -Wmaybe-uninitialized gives
  # false positives inside libstdc++ (std::regex's std::function) under the sanitizers; the
  # plain build above keeps that warning as an error. The ASan stage stays on GCC: clang links
  # its ASan runtime statically, which the libfaketime of the midnight tests cannot share.
  san_common=(-DCMAKE_BUILD_TYPE=Debug -DLEADSCOUT_BUILD_BENCH=OFF)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The test programs' own code gets AddressSanitizer without UBSan's checks, which take a test
  # file half again as long to compile; what the tests drive keeps both.
  stage "asan+ubsan" build/asan "-LE package" "${san_common[@]}" -DLEADSCOUT_TEST_COMPILE_OPTIONS=-fno-sanitize=undefined \
    "-DCMAKE_CXX_FLAGS=-O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wno-maybe-uninitialized"
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  # The response cache's tests are left out: under load a report comes from inside Debian's
  # uninstrumented libcpp-httplib (the tests' fake provider), and the child then waits forever.
  stage "tsan" build/tsan "-LE package -E Browser|^LlmCache -R ^(Log|Batch|Monitor|batch|Llm)" "${san_common[@]}" \
    -DLEADSCOUT_BUILD_TOOLS=OFF -DLEADSCOUT_BUILD_EXAMPLES=OFF "-DLEADSCOUT_TEST_AREAS=log;batch;monitor;llm" \
    -DLEADSCOUT_TEST_OPTIMIZATION=-O0 \
    "-DCMAKE_CXX_FLAGS=-O1 -fsanitize=thread -fno-omit-frame-pointer -Wno-maybe-uninitialized"
  echo "== fuzz"
  started=$SECONDS
  scripts/fuzz.sh --runs 100000
  echo "== fuzz: done in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
fi
