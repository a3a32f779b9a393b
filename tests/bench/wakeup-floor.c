/*
 * The yardstick of a frame's fixed cost: the least any compositor does for a
 * client that redraws every frame, with nothing composited. A "compositor"
 * process waits for a 60 Hz timerfd tick, sends one byte (the frame
 * callback) over a socketpair, and waits for the "client" to answer with one
 * byte (the commit), which it reads. Its CPU time (schedstat: user, kernel
 * and what the machine charges for waking it) per tick is what a frame
 * costs before any Wayland or pixman work. A second figure is the tick alone,
 * with no client.
 *
 *   wakeup-floor [TICKS]
 *
 * Prints "ticks=N tick_us=F frame_us=F".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int
schedstat_ns(uint64_t *ns)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	if (!f)
		return -1;
	int n = fscanf(f, "%" SCNu64, ns);
	fclose(f);
	return n == 1 ? 0 : -1;
}

static int
wait_fd(int epfd)
{
	struct epoll_event ev;
	for (;;) {
		int n = epoll_wait(epfd, &ev, 1, -1);
		if (n == 1)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* `ticks` ticks of a 60 Hz timer; with `sock` >= 0 a message each way per
 * tick. Returns this thread's CPU ns per tick, or a negative value. */
static double
run(int ticks, int sock)
{
	double result = -1;
	int tick_ep = -1, sock_ep = -1;
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (tfd < 0) {
		perror("wakeup-floor: timerfd_create");
		return -1;
	}
	struct itimerspec period = { { 0, 16666667 }, { 0, 16666667 } };
	if (timerfd_settime(tfd, 0, &period, NULL) < 0) {
		perror("wakeup-floor: timerfd_settime");
		goto out;
	}
	tick_ep = epoll_create1(EPOLL_CLOEXEC);
	sock_ep = epoll_create1(EPOLL_CLOEXEC);
	if (tick_ep < 0 || sock_ep < 0) {
		perror("wakeup-floor: epoll_create1");
		goto out;
	}
	struct epoll_event ev = { .events = EPOLLIN };
	if (epoll_ctl(tick_ep, EPOLL_CTL_ADD, tfd, &ev) < 0 ||
	    (sock >= 0 && epoll_ctl(sock_ep, EPOLL_CTL_ADD, sock, &ev) < 0)) {
		perror("wakeup-floor: epoll_ctl");
		goto out;
	}
	uint64_t start, end;
	if (schedstat_ns(&start) < 0) {
		perror("wakeup-floor: /proc/thread-self/schedstat");
		goto out;
	}
	for (int i = 0; i < ticks; i++) {
		uint64_t expirations;
		char byte = 'f';
		if (wait_fd(tick_ep) < 0 || read(tfd, &expirations, sizeof(expirations)) < 0) {
			perror("wakeup-floor: the tick");
			goto out;
		}
		if (sock < 0)
			continue;
		if (send(sock, &byte, 1, MSG_NOSIGNAL) != 1 || wait_fd(sock_ep) < 0 ||
		    recv(sock, &byte, 1, 0) != 1) {
			perror("wakeup-floor: the client's answer");
			goto out;
		}
	}
	if (schedstat_ns(&end) < 0) {
		perror("wakeup-floor: /proc/thread-self/schedstat");
		goto out;
	}
	result = (double)(end - start) / ticks;
out:
	if (sock_ep >= 0)
		close(sock_ep);
	if (tick_ep >= 0)
		close(tick_ep);
	close(tfd);
	return result;
}

int
main(int argc, char *argv[])
{
	int ticks = argc > 1 ? atoi(argv[1]) : 240;
	if (ticks < 1 || ticks > 100000) {
		fprintf(stderr, "usage: wakeup-floor [TICKS]\n");
		return 2;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("wakeup-floor: socketpair");
		return 1;
	}
	pid_t client = fork();
	if (client < 0) {
		perror("wakeup-floor: fork");
		return 1;
	}
	if (client == 0) {
		/* The client: answers every frame callback with a commit. */
		close(sv[0]);
		char byte;
		while (recv(sv[1], &byte, 1, 0) == 1)
			if (send(sv[1], &byte, 1, MSG_NOSIGNAL) != 1)
				break;
		_exit(0);
	}
	close(sv[1]);
	double tick = run(ticks, -1);
	double frame = tick >= 0 ? run(ticks, sv[0]) : -1;
	close(sv[0]);
	int status;
	while (waitpid(client, &status, 0) < 0 && errno == EINTR)
		;
	if (tick < 0 || frame < 0)
		return 1;
	printf("ticks=%d tick_us=%.1f frame_us=%.1f\n", ticks, tick / 1e3, frame / 1e3);
	return 0;
}
