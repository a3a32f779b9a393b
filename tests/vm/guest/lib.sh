# Helpers for the scripts the host runs in the guest (sourced by the agent).
# Background programs are named; NAME's output goes to /tmp/rig/NAME.log, its
# pid to NAME.pid and, once it ended, its exit status to NAME.rc.
rig=/tmp/rig

# spawn NAME 'SHELL COMMAND': start COMMAND in the background, print its pid.
spawn() {
	rm -f "$rig/$1.pid" "$rig/$1.rc"
	# The wrapper waits for the command so its exit status is kept even
	# though the agent's shell that started it is long gone.
	sh -c ". /rig/lib.sh; $2 &
echo \$! > $rig/$1.pid.tmp; mv $rig/$1.pid.tmp $rig/$1.pid
wait \$!; echo \$? > $rig/$1.rc" > "$rig/$1.log" 2>&1 < /dev/null &
	while [ ! -e "$rig/$1.pid" ]; do usleep 10000; done
	cat "$rig/$1.pid"
}

# waitexit NAME SECONDS: print NAME's exit status once it ended; 124 on timeout.
waitexit() {
	i=0
	while [ ! -e "$rig/$1.rc" ]; do
		if [ $i -ge $(($2 * 20)) ]; then
			echo timeout
			return 124
		fi
		usleep 50000
		i=$((i + 1))
	done
	usleep 20000
	cat "$rig/$1.rc"
}

# waitlog NAME PATTERN SECONDS: wait until NAME's log has a line matching PATTERN.
waitlog() {
	i=0
	while ! grep -q -e "$2" "$rig/$1.log" 2> /dev/null; do
		if [ -e "$rig/$1.rc" ]; then
			echo "$1 exited with status $(cat "$rig/$1.rc") before printing '$2'"
			return 1
		fi
		if [ $i -ge $(($3 * 20)) ]; then
			echo "no '$2' from $1 after $3 s"
			return 124
		fi
		usleep 50000
		i=$((i + 1))
	done
}

# stopall: SIGTERM every spawned program still running, SIGKILL after 3 s.
stopall() {
	for p in "$rig"/*.pid; do
		[ -e "$p" ] || continue
		n=${p%.pid}
		[ -e "$n.rc" ] && continue
		kill -TERM "$(cat "$p")" 2> /dev/null
	done
	for p in "$rig"/*.pid; do
		[ -e "$p" ] || continue
		n=${p%.pid}
		i=0
		while [ ! -e "$n.rc" ] && [ $i -lt 60 ]; do
			usleep 50000
			i=$((i + 1))
		done
		if [ ! -e "$n.rc" ]; then
			echo "${n##*/} ignored SIGTERM, killed"
			kill -KILL "$(cat "$p")" 2> /dev/null
		fi
	done
}

# sanitizer_reports: print the logs that carry a sanitizer report.
sanitizer_reports() {
	grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$rig"/*.log 2> /dev/null
	return 0
}

# input_event NAME-PATTERN: the /dev/input/eventN whose device name matches.
input_event() {
	for ev in /sys/class/input/event*; do
		if grep -qi -e "$1" "$ev/device/name" 2> /dev/null; then
			echo "/dev/input/${ev##*/}"
			return 0
		fi
	done
	return 1
}

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

# driver_of CARD (card0, ...): the DRM driver's name. vkms has no bound
# platform driver, so its name comes from debugfs (dri/<minor>/name).
driver_of() {
	if [ -e "/sys/class/drm/$1/device/driver" ]; then
		basename "$(readlink "/sys/class/drm/$1/device/driver")"
		return 0
	fi
	minor=$(cut -d: -f2 "/sys/class/drm/$1/dev")
	cut -d' ' -f1 "/sys/kernel/debug/dri/$minor/name" 2> /dev/null
}

# card_of DRIVER: /dev/dri/cardN of the first card that DRIVER drives.
card_of() {
	for c in /sys/class/drm/card[0-9]*; do
		[ -e "$c/dev" ] || continue
		if [ "$(driver_of "${c##*/}")" = "$1" ]; then
			echo "/dev/dri/${c##*/}"
			return 0
		fi
	done
	return 1
}

# dri_debugfs DRIVER: the debugfs folder of DRIVER's card.
dri_debugfs() {
	card=$(card_of "$1") || return 1
	echo "/sys/kernel/debug/dri/$(cut -d: -f2 "/sys/class/drm/${card##*/}/dev")"
}
