#!/bin/sh
# Serves the host over ttyS1, a raw line channel kept apart from the kernel
# console on ttyS0. The host sends
#	RUN <id> <timeout-seconds> <md5 of the base64> <base64 shell script>
#	PING		(answered with @@SW PONG)
#	POWEROFF
# and the agent answers each RUN with one line
#	@@SW RESULT <id> <exit-status> <base64 of the script's stdout+stderr>
# or, when the line arrived damaged, @@SW RETRY <id> (digest mismatch) or
# @@SW ERROR ... (unreadable), and the host sends it again.
# The script runs with /rig/lib.sh sourced (spawn, waitexit, ...).
chan=/dev/ttyS1
stty -F $chan raw -echo -echoe -echok -echonl 115200 || echo "rig: stty failed"
exec 3<> $chan

export HOME=/root
export XDG_RUNTIME_DIR=/run/user/0
# libseat's built-in seat daemon: no seatd or logind runs in the guest.
export LIBSEAT_BACKEND=builtin
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# For the rig's watchdog self-test, which stops the agent on purpose.
echo $$ > /run/rig-agent.pid
echo "@@SW READY $(uname -r) $(cut -d' ' -f1 /proc/uptime)" >&3
while read -r verb id tmo sum script <&3; do
	case "$verb" in
	RUN)
		if [ "$(printf '%s' "$script" | md5sum | cut -d' ' -f1)" != "$sum" ]; then
			echo "@@SW RETRY $id" >&3
			continue
		fi
		{ echo ". /rig/lib.sh"; echo "$script" | base64 -d; } > /tmp/rig/cmd.sh
		timeout "$tmo" sh /tmp/rig/cmd.sh > /tmp/rig/out 2>&1 < /dev/null
		rc=$?
		echo "@@SW RESULT $id $rc $(base64 -w0 /tmp/rig/out)" >&3
		;;
	PING)
		echo "@@SW PONG" >&3
		;;
	POWEROFF)
		echo "@@SW BYE" >&3
		sync
		poweroff -f
		;;
	*)
		echo "@@SW ERROR unknown verb '$(printf '%s' "$verb" | head -c 20)'" >&3
		;;
	esac
done
echo "rig: channel closed"
poweroff -f
