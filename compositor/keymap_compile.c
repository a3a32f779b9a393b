/*
 * A client's keymap is compiled in a child process (see keymap_compile.h).
 * The child gets the text by fork, writes xkbcommon's rendering of it, or
 * the reason it was refused, into a memfd, and says which by its exit code.
 * Anything else (a signal, ASan's exit after a fault, a timeout) means the
 * compiler itself failed on the keymap.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xkbcommon/xkbcommon.h>

#include "anon-file.h"
#include "keymap_compile.h"
#include "log.h"

/* Exit codes no sanitizer or signal gives. */
enum { CHILD_COMPILED = 10, CHILD_REFUSED = 11 };
/* xkbcommon writes a compiled keymap out at about 64 KiB; far past that is not a keymap. */
#define COMPILED_MAX_SIZE (8u << 20)
#define FIRST_ERROR_SIZE 200
#define REASON_SIZE (FIRST_ERROR_SIZE + 64)
_Static_assert(REASON_SIZE < SW_KEYMAP_COMPILE_WHY_SIZE,
	       "a reason from the child fits the caller's buffer");

static void
child_log(struct xkb_context *context, enum xkb_log_level level, const char *format,
	  va_list args)
{
	char *first = xkb_context_get_user_data(context);
	if (level > XKB_LOG_LEVEL_ERROR || first[0])
		return;
	vsnprintf(first, FIRST_ERROR_SIZE, format, args);
	first[strcspn(first, "\n")] = '\0';
}

static bool
write_all(int fd, const char *data, size_t size)
{
	while (size > 0) {
		ssize_t n = write(fd, data, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		data += n;
		size -= (size_t)n;
	}
	return true;
}

static _Noreturn void
child_refuse(int out, const char *reason)
{
	_exit(write_all(out, reason, strlen(reason)) ? CHILD_REFUSED : EXIT_FAILURE);
}

static _Noreturn void
child_compile(const char *text, const char *xkb_base, int out, pid_t parent)
{
	/* Die with the compositor, never outlive it: also if it died before
	 * the death signal was asked for (a blocking include would hang us). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(EXIT_FAILURE);
	/* A fault in xkbcommon kills the child, and the parent says so in one
	 * line: not the compositor's SIGBUS guard, a sanitizer or a fuzzer's
	 * crash handler, inherited by the fork, each with its own report. */
	static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		signal(faults[i], SIG_DFL);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, STDERR_FILENO);

	char first[FIRST_ERROR_SIZE] = "";
	struct xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_DEFAULT_INCLUDES |
						      XKB_CONTEXT_NO_ENVIRONMENT_NAMES);
	if (!context)
		child_refuse(out, "the compositor cannot make an xkbcommon context");
	xkb_context_set_user_data(context, first);
	xkb_context_set_log_fn(context, child_log);
	xkb_context_set_log_level(context, XKB_LOG_LEVEL_ERROR);
	xkb_context_include_path_append(context, xkb_base);

	struct xkb_keymap *keymap = xkb_keymap_new_from_string(
		context, text, XKB_KEYMAP_FORMAT_TEXT_V1, XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (!keymap) {
		char reason[REASON_SIZE];
		snprintf(reason, sizeof(reason), "it does not compile: %s",
			 first[0] ? first : "xkbcommon gave no reason");
		child_refuse(out, reason);
	}
	char *compiled = xkb_keymap_get_as_string(keymap, XKB_KEYMAP_FORMAT_TEXT_V1);
	if (!compiled)
		child_refuse(out, "xkbcommon cannot write it out");
	/* _exit: nothing of the compositor's (atexit handlers, stdio) runs here. */
	_exit(write_all(out, compiled, strlen(compiled)) ? CHILD_COMPILED : EXIT_FAILURE);
}

static long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reaps the child within `timeout_ms`; false if it is still running then. */
static bool
wait_child(pid_t pid, int timeout_ms, int *status)
{
	long deadline = now_ms() + timeout_ms;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			sw_err("keymap compile: waitpid %d: %s", (int)pid, strerror(errno));
			*status = -1;
			break;
		}
		long left = deadline - now_ms();
		if (left <= 0) {
			if (pidfd >= 0)
				close(pidfd);
			return false;
		}
		if (pidfd >= 0) {
			struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
			poll(&pfd, 1, (int)left);
		} else {
			/* No pidfd (a kernel before 5.3): look again in a millisecond. */
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return true;
}

/* What the child wrote, NUL-terminated; NULL if unreadable or over `max` bytes. */
static char *
read_result(int fd, size_t max)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	if ((uint64_t)st.st_size > max) {
		errno = EFBIG;
		return NULL;
	}
	char *data = malloc((size_t)st.st_size + 1);
	if (!data)
		return NULL;
	ssize_t got = sw_file_read_all(fd, data, (size_t)st.st_size);
	if (got < 0) {
		free(data);
		return NULL;
	}
	data[got] = '\0';
	return data;
}

char *
sw_keymap_compile(const char *text, const char *xkb_base, int timeout_ms, char *why,
		  size_t why_size)
{
	char *compiled = NULL;
	why[0] = '\0';
	int out = memfd_create("sealway-keymap-compile", MFD_CLOEXEC);
	if (out < 0) {
		snprintf(why, why_size, "the compositor cannot compile it: memfd_create: %s",
			 strerror(errno));
		return NULL;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, why_size, "the compositor cannot compile it: fork: %s",
			 strerror(errno));
		goto out_close;
	}
	if (pid == 0)
		child_compile(text, xkb_base, out, parent);

	int status;
	if (!wait_child(pid, timeout_ms, &status)) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		snprintf(why, why_size, "xkbcommon did not finish compiling it in %d ms",
			 timeout_ms);
		goto out_close;
	}
	int code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code == CHILD_COMPILED) {
		compiled = read_result(out, COMPILED_MAX_SIZE);
		if (!compiled && errno == EFBIG)
			snprintf(why, why_size, "its compiled form is over %u bytes",
				 COMPILED_MAX_SIZE);
		else if (!compiled)
			snprintf(why, why_size, "the compositor cannot read it back: %s",
				 strerror(errno));
	} else if (code == CHILD_REFUSED) {
		char *reason = read_result(out, REASON_SIZE);
		snprintf(why, why_size, "%s", reason && reason[0] ? reason : "refused, no reason given");
		free(reason);
	} else if (status < 0) {
		snprintf(why, why_size, "the compositor lost the process compiling it");
	} else if (WIFSIGNALED(status)) {
		snprintf(why, why_size, "xkbcommon crashed compiling it (signal %d, %s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else {
		/* A sanitizer catches the fault itself and exits: the same crash. */
		snprintf(why, why_size, "xkbcommon crashed compiling it (exit status %d)", code);
	}
out_close:
	close(out);
	return compiled;
}
