#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a fixed time on its seed corpus.
#   scripts/fuzz.sh            20 s per target
#   scripts/fuzz.sh 600        10 minutes per target (the longer run in docs/reliability.md)
#   scripts/fuzz.sh --runs N   N inputs per target with a fixed seed: the same run every time
#                              (what CI does, through scripts/test.sh --all)
# New inputs go to build/fuzz/corpus/<target>; crashes to build/fuzz/artifacts. Exit status is 1
# when any target found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=(-max_total_time="${1:-20}")
label="${1:-20}s"
if [ "${1:-}" = "--runs" ]; then
  limit=(-runs="${2:?--runs needs a count}" -seed=1)
  label="$2 runs"
fi
build_dir=build/fuzz
# shellcheck source=scripts/lib/packages.sh
. scripts/lib/packages.sh
ensure_packages scripts/fuzz.sh "${leadscout_build_packages[@]}" clang libclang-rt-14-dev
# The libraries get coverage instrumentation too (fuzzer-no-link), so libFuzzer sees inside them.
cmake -S . -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEADSCOUT_BUILD_FUZZ=ON \
  -DCMAKE_UNITY_BUILD=ON \
  -DLEADSCOUT_BUILD_TESTS=OFF -DLEADSCOUT_BUILD_BENCH=OFF \
  "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" >/dev/null
targets=()
available=$(cmake --build "$build_dir" --target help)
for src in fuzz/fuzz_*.cpp; do
  name=$(basename "$src" .cpp)
  if grep -qw "$name" <<<"$available"; then targets+=("$name"); fi
done
cmake --build "$build_dir" -j "$(nproc)" --target "${targets[@]}"
mkdir -p "$build_dir/artifacts"
status=0
for t in "${targets[@]}"; do
  seeds=fuzz/corpus/${t#fuzz_}
  work=$build_dir/corpus/${t#fuzz_}
  mkdir -p "$work"
  echo "== $t for $label"
  if ! "$build_dir/fuzz/$t" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build_dir/artifacts/$t-" "$work" "$seeds" 2>"$build_dir/$t.log"; then
    echo "!! $t found a problem; see $build_dir/$t.log and $build_dir/artifacts/" >&2
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|cov: " "$build_dir/$t.log" | tail -n 3 || true
done
exit $status
