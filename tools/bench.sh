#!/bin/sh
# Runs sealway's benchmarks in an optimized, unsanitized build (build-bench/).
# They are never part of the test suite; the suite only runs their smoke tests.
#
#   tools/bench.sh mech [--quick]        part 1: the shared-memory methods alone,
#                                        a writer and a reader, no compositor
#   tools/bench.sh compositor [--quick]  part 2: sealway and weston side by side,
#                                        then every allocation path through both
#
# JSON, CSV, text, markdown tables and PNG plots go to $SEALWAY_BENCH_OUT
# (default build-bench/bench-out/). Huge pages for the memfd-hugetlb method are the
# machine's: reserve them first (as root) with
#   echo 20 > /proc/sys/vm/nr_hugepages
# or that method is reported as skipped, with the reason.
set -eu
cd "$(dirname "$0")/.."

usage() {
	echo "usage: tools/bench.sh mech|compositor [--quick]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
part=$1
shift
case "$part" in
mech|compositor) ;;
*) usage ;;
esac

build=${SEALWAY_BENCH_BUILD:-build-bench}
out=${SEALWAY_BENCH_OUT:-$build/bench-out}
[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release
ninja -C "$build"
mkdir -p "$out"
# Debian's own python3 has python3-matplotlib (for the plots), whatever else is on PATH.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
exec "$py" tests/bench/bench.py --build "$build" --part "$part" --out "$out" "$@"
