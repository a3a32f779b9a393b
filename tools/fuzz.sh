#!/bin/sh
# Builds the protocol fuzzer (clang, libFuzzer, ASan, UBSan) in build-fuzz and
# runs it for SECONDS (default 300) on the committed seeds and regressions plus
# a working corpus kept in build-fuzz/fuzz-corpus, so a later run goes on from
# where this one stopped. Extra arguments go to libFuzzer.
# Exits non-zero when the fuzzer found a crash, a leak or a leaked fd; the
# input that did it is in build-fuzz/fuzz-artifacts/.
#   tools/fuzz.sh [SECONDS [LIBFUZZER-ARGS...]]
set -eu
cd "$(dirname "$0")/.."

seconds=${1:-300}
[ $# -gt 0 ] && shift
build=${SEALWAY_FUZZ_BUILD:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true
fi
ninja -C "$build" tests/fuzz/sealway-fuzz

mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts"
exec "$build/tests/fuzz/sealway-fuzz" \
	-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
	-dict=tests/fuzz/sealway.dict -artifact_prefix="$build/fuzz-artifacts/" "$@" \
	"$build/fuzz-corpus" tests/fuzz/regressions tests/fuzz/corpus
