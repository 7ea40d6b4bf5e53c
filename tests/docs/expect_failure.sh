#!/bin/sh
# Runs the example checker on tests/docs/broken.md; it must exit 1 and name both bad blocks.
out=$("$@" 2>&1)
status=$?
echo "$out"
[ "$status" -eq 1 ] || { echo "checker exited $status, expected 1"; exit 1; }
echo "$out" | grep -q "tests/docs/broken.md:15: example does not compile" || { echo "broken block not named"; exit 1; }
echo "$out" | grep -q "tests/docs/broken.md:22: a fragment without" || { echo "unmarked fragment not named"; exit 1; }
echo "checker rejected the page as it should"
