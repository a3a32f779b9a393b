#!/bin/sh
# Sets up (Debian 12, as root) and runs sealway with its demo clients.
# On a Linux VT with a DRM device it runs there (Ctrl+Alt+Backspace quits);
# elsewhere it runs headless and writes a PNG screenshot of the demo clients
# (default sealway-demo.png, or the path given as the first argument).
set -eu
cd "$(dirname "$0")/.."

sh .ci/deps.sh
build=${SEALWAY_DEMO_BUILD:-build-demo}
[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release
ninja -C "$build"

sealway="$build/compositor/sealway"
bindir="$(pwd)/$build/client"
png=${1:-sealway-demo.png}

# The demo clients: three ways of allocating shared memory, side by side,
# plus a client no one here wrote.
clients="
	'$bindir/sealway-shm' --title sealed-memfd --size 320x240 &
	'$bindir/sealway-shm' --title unsealed-memfd --unsealed --size 320x240 --color ff2a7fff &
	'$bindir/sealway-shm' --title posix-shm --posix-shm --size 320x240 --format RGB565 &
	weston-simple-shm &
"

tty_name=$(tty 2>/dev/null || true)
case "$tty_name" in
/dev/tty[0-9]*)
	if ls /dev/dri/card* >/dev/null 2>&1; then
		echo "demo: running on $tty_name through DRM/KMS; Ctrl+Alt+Backspace quits"
		export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
		# WAYLAND_SOCKET is one connection, for one client: these connect by name.
		exec "$sealway" --backend=drm -- sh -c "unset WAYLAND_SOCKET; $clients wait"
	fi
	;;
esac

# Headless: a private runtime directory, a screenshot, a clean stop.
runtime=$(mktemp -d)
chmod 700 "$runtime"
export XDG_RUNTIME_DIR="$runtime"
socket=sealway-demo
"$sealway" --backend=headless --socket=$socket --size=1024x768 > "$runtime/sealway.out" &
compositor=$!
trap 'kill $compositor 2>/dev/null || true; rm -rf "$runtime"' EXIT
for _ in $(seq 50); do
	[ -S "$runtime/$socket" ] && break
	sleep 0.1
done
export WAYLAND_DISPLAY=$socket
eval "$clients"
sleep 2
"$bindir/sealway-capture" --png "$png"
echo "demo: screenshot of the headless output written to $png"
# The clients print their presentation statistics as they stop.
pkill -TERM -P $$ -f sealway-shm || true
pkill -TERM -P $$ -f weston-simple-shm || true
wait_clients=0
while pgrep -P $$ -f 'sealway-shm|weston-simple-shm' >/dev/null && [ $wait_clients -lt 30 ]; do
	sleep 0.1
	wait_clients=$((wait_clients + 1))
done
kill -TERM $compositor
wait $compositor
