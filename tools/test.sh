#!/bin/sh
# Sets up (Debian 12, as root) and runs every test suite of sealway: unit,
# headless (against real clients) and vm (a real kernel with DRM/KMS and
# udmabuf under qemu), all built with AddressSanitizer and UBSan.
# With SEALWAY_FUZZ_TIME=N the protocol fuzzer then runs for N seconds
# (tools/fuzz.sh), counted as one more test.
# Ends with one line "N passed, M failed[, K skipped]"; exits non-zero on any failure.
set -eu
cd "$(dirname "$0")/.."

sh .ci/deps.sh

build=${SEALWAY_TEST_BUILD:-build-test}
build_failed() {
	echo "test: the build failed"
	echo "0 passed, 1 failed"
	exit 1
}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debugoptimized || build_failed
fi
ninja -C "$build" || build_failed

# A sanitizer report is a failure: make UBSan fatal and keep stack traces.
# (ASan's options are set per process by the harness: leak checks on for the
# compositor, off for the hostile probes, which leave objects behind on purpose.)
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

status=0
meson test -C "$build" --print-errorlogs --num-processes 2 "$@" || status=$?

fuzz=none
if [ "${SEALWAY_FUZZ_TIME:-0}" -gt 0 ]; then
	log=$build/meson-logs/fuzz.log
	echo "test: fuzzing the protocol for ${SEALWAY_FUZZ_TIME} s (log: $log)"
	if ./tools/fuzz.sh "$SEALWAY_FUZZ_TIME" >"$log" 2>&1; then
		fuzz=ok
	else
		fuzz=failed
		tail -n 60 "$log"
	fi
	grep -E '^#[0-9]+.*DONE|^stat::' "$log" || true
	echo "test: fuzz $fuzz"
fi

summary=0
python3 - "$build/meson-logs/testlog.json" "$fuzz" <<'PY' || summary=$?
import json, sys
import re
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    test = json.loads(line)
    r = test["result"]
    # A TAP test (the VM suite) counts each of its scenarios.
    tap = [l for l in (test.get("stdout") or "").splitlines()
           if re.match(r"(not )?ok \d+", l)]
    if tap:
        for l in tap:
            if "# SKIP" in l.upper():
                skipped += 1
            elif l.startswith("ok"):
                passed += 1
            else:
                failed += 1
        if r not in ("OK", "SKIP") and not any(l.startswith("not ok") for l in tap):
            failed += 1  # the runner itself failed
        continue
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
# The fuzz run, when there was one, is one more test.
if sys.argv[2] == "ok":
    passed += 1
elif sys.argv[2] == "failed":
    failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
[ "$status" -eq 0 ] && [ "$summary" -eq 0 ]
