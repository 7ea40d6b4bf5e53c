#!/usr/bin/env bash
# Builds the API reference of the installed headers with Doxygen into build/docs/html.
#   scripts/docs.sh                       the reference of include/leadscout
#   scripts/docs.sh --input DIR --out DIR another header tree (the test of the check itself)
# Exits non-zero, naming file and line, when a public class, function, enum or member has no
# comment or a comment is malformed (WARN_AS_ERROR).
set -euo pipefail
cd "$(dirname "$0")/.."
input="" out=build/docs
while [ $# -gt 0 ]; do
  case "$1" in
    --input) input=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "scripts/docs.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=scripts/lib/packages.sh
. scripts/lib/packages.sh
ensure_packages scripts/docs.sh doxygen
mkdir -p "$out"
{
  cat docs/Doxyfile
  echo "OUTPUT_DIRECTORY = $out"
  if [ -n "$input" ]; then
    echo "INPUT = $input"
    echo "USE_MDFILE_AS_MAINPAGE ="
  fi
} | doxygen -
echo "API reference: $out/html/index.html"
