#!/bin/sh
# check_symbols.sh PREFIX: the shared libraries installed under PREFIX export only leadscout's
# API. Every defined dynamic symbol must be in namespace leadscout (a function or variable, or
# the vtable, type_info or thunk of a leadscout class); anything else (a std, fmt, spdlog or
# nlohmann template instantiation, a helper in no namespace) is listed and fails the check, and
# so does a leadscout symbol whose signature names a type of a dependency: an application
# built with another version or other ABI options of nlohmann_json, spdlog, fmt or cpp-httplib
# would not link with it.
set -eu
prefix=$1
libs=$(find "$prefix" -name 'libleadscout_*.so' | sort)
[ -n "$libs" ] || { echo "no shared leadscout library under $prefix" >&2; exit 1; }
status=0
for lib in $libs; do
  name=$(basename "$lib")
  # VERSION and SOVERSION: libleadscout_x.so -> libleadscout_x.so.SOVERSION -> libleadscout_x.so.MAJOR.MINOR.PATCH
  soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
  case "$soname" in
    "$name".[0-9]*) ;;
    *) echo "$name: SONAME '$soname' carries no version" >&2; status=1 ;;
  esac
  symbols=$(nm -D --defined-only -C "$lib" | cut -d' ' -f3-)
  # Symbols the linker defines in every shared object.
  symbols=$(printf '%s\n' "$symbols" | grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$' || true)
  outside=$(printf '%s\n' "$symbols" |
    grep -Ev '^((typeinfo|typeinfo name|vtable|VTT|construction vtable|guard variable) for |(non-)?virtual thunk to )?leadscout::' || true)
  leaking=$(printf '%s\n' "$symbols" | grep -E '(nlohmann|spdlog|fmt|httplib)::' || true)
  count=$(printf '%s\n' "$symbols" | grep -c . || true)
  if [ -n "$outside" ]; then
    echo "$name exports symbols outside leadscout::" >&2
    printf '%s\n' "$outside" | sed 's/^/  /' >&2
    status=1
  elif [ -n "$leaking" ]; then
    echo "$name exports symbols naming a dependency's types" >&2
    printf '%s\n' "$leaking" | sed 's/^/  /' >&2
    status=1
  elif [ "$count" -eq 0 ]; then
    echo "$name exports nothing" >&2
    status=1
  else
    echo "$name ($soname): $count symbols, all in leadscout::"
  fi
done
exit $status
