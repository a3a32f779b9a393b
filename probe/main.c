/*
 * sealway-probe: buffer-passing conformance cases against any Wayland
 * compositor, each judged against the protocol text, each followed by three
 * checks: the compositor is alive, a fresh client still gets its frame, and
 * the compositor's fd count is back at its baseline.
 *
 *   WAYLAND_DISPLAY=... sealway-probe [--pid PID] [OPTIONS]     (attach)
 *   sealway-probe [OPTIONS] -- COMPOSITOR ARGS...               (spawn; {socket})
 *
 * Each case runs in a child process of its own (a fork running one of the
 * scenario programs of scenarios.h), so a case that hangs or crashes the
 * client side is contained too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wayland-client.h>

#include "bystander.h"
#include "cases.h"
#include "presentation-time-client-protocol.h"
#include "probe-util.h"
#include "xdg-shell-client-protocol.h"

#define FRESH_CLIENT_MS 2000
#define FD_SETTLE_MS 3000
#define LATE_CRASH_MS 200
#define START_MS 10000
#define MAX_OUTPUT (1 << 20)
/* A bystander that saw no frame for longer than this during a flood fails the case. */
#define BYSTANDER_GAP_MS 1000

enum verdict { V_PASS, V_FAIL, V_INFO, V_SKIP };
static const char *const verdict_names[] = { "PASS", "FAIL", "INFO", "SKIP" };
enum format { FORMAT_TEXT, FORMAT_TAP, FORMAT_JSON };

struct fd_list {
	int count;
	char **links;	/* "N -> target", count of them */
};

struct target {
	char **argv;		/* spawn mode: the command, {socket} replaced; NULL: attach */
	const char *user;	/* spawn mode: run it as this user */
	rlim_t nofile;
	pid_t pid;		/* 0: unknown (attach without --pid) */
	bool spawned;
	char tmp[256];		/* spawn mode: holds runtime.N/ and compositor.log */
	char runtime[288];
	char socket[256];
	int starts;
	char died[64];		/* how it died, once it has */
	bool presented;		/* fresh clients must get presentation feedback */
};

struct result {
	const struct probe_case *c;
	enum verdict verdict;
	char *observation;
	char *reason;
	int64_t case_ms, checks_ms;
	struct fd_list before, after;
	char **new_fds;
	int new_fd_count;
	bool alive, fresh_ok;
	char fresh[160];
	char died[64];
	bool bystander;			/* a flood case: the bystander's figures are known */
	struct bystander_figures by;
	char bystander_note[160];	/* why it has no figures, when it has none */
};

/* ---- small helpers ---- */

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0) {
		perror("vasprintf");
		exit(2);
	}
	va_end(ap);
	return s;
}

static void
fd_list_free(struct fd_list *l)
{
	for (int i = 0; i < l->count; i++)
		free(l->links[i]);
	free(l->links);
	l->links = NULL;
	l->count = 0;
}

/* The fds of `pid` as "N -> target"; count -1 when /proc/PID/fd cannot be read. */
static struct fd_list
fd_list_read(pid_t pid)
{
	struct fd_list l = { .count = -1 };
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	if (!d)
		return l;
	l.count = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[320], target[256];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		char **links = realloc(l.links, sizeof(*links) * (size_t)(l.count + 1));
		if (!links)
			break;
		l.links = links;
		l.links[l.count++] = xasprintf("%s -> %s", e->d_name, target);
	}
	closedir(d);
	return l;
}

static int
fd_count(pid_t pid)
{
	struct fd_list l = fd_list_read(pid);
	int n = l.count;
	fd_list_free(&l);
	return n;
}

/* ---- the compositor ---- */

static bool
target_alive(struct target *t)
{
	if (t->died[0])
		return false;
	if (!t->pid)
		return true;	/* attach without --pid: only the fresh client can tell */
	if (t->spawned) {
		int status;
		pid_t r = waitpid(t->pid, &status, WNOHANG);
		if (r == 0)
			return true;
		if (r == t->pid && WIFSIGNALED(status)) {
			const char *abbrev = sigabbrev_np(WTERMSIG(status));
			snprintf(t->died, sizeof(t->died), "killed by SIG%s",
				 abbrev ? abbrev : "?");
		} else if (r == t->pid) {
			snprintf(t->died, sizeof(t->died), "exited with status %d",
				 WEXITSTATUS(status));
		} else {
			snprintf(t->died, sizeof(t->died), "gone");
		}
		return false;
	}
	char path[64], state = '?';
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)t->pid);
	FILE *f = fopen(path, "re");
	if (f) {
		/* pid (comm) state: comm may hold spaces, so look after the last ')'. */
		char buf[512];
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		if (p && p[1] == ' ')
			state = p[2];
		fclose(f);
	}
	if (!f || state == 'Z' || state == 'X') {
		snprintf(t->died, sizeof(t->died), "gone (pid %d)", (int)t->pid);
		return false;
	}
	return true;
}

/* A socket in the runtime dir: the one named, or the first wayland-N there. */
static bool
socket_ready(struct target *t)
{
	if (t->socket[0]) {
		char path[600];
		snprintf(path, sizeof(path), "%s/%s", t->runtime, t->socket);
		struct stat st;
		return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
	}
	DIR *d = opendir(t->runtime);
	if (!d)
		return false;
	struct dirent *e;
	bool found = false;
	while ((e = readdir(d)) && !found) {
		char path[600];
		snprintf(path, sizeof(path), "%s/%s", t->runtime, e->d_name);
		struct stat st;
		if (strncmp(e->d_name, "wayland-", 8) == 0 && stat(path, &st) == 0 &&
		    S_ISSOCK(st.st_mode)) {
			snprintf(t->socket, sizeof(t->socket), "%s", e->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

static void
child_exec(struct target *t, char **argv, int log_fd)
{
	setenv("XDG_RUNTIME_DIR", t->runtime, 1);
	unsetenv("WAYLAND_SOCKET");
	unsetenv("WAYLAND_DISPLAY");
	struct rlimit lim;
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
		lim.rlim_cur = t->nofile < lim.rlim_max ? t->nofile : lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
	if (t->user) {
		struct passwd *pw = getpwnam(t->user);
		if (!pw || initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
		    setuid(pw->pw_uid) < 0) {
			dprintf(log_fd, "sealway-probe: cannot become %s: %s\n", t->user,
				strerror(errno));
			_exit(127);
		}
		setenv("HOME", pw->pw_dir, 1);
		setenv("USER", pw->pw_name, 1);
	}
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	execvp(argv[0], argv);
	dprintf(log_fd, "sealway-probe: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static bool fresh_client(struct target *t, char *what, size_t size);
static bool baseline_presented(struct target *t, char *what, size_t size);

/* Start the compositor and wait until a client is served; false (said) otherwise. */
static bool
target_start(struct target *t)
{
	t->died[0] = '\0';
	t->starts++;
	if (!t->tmp[0]) {
		const char *dir = getenv("TMPDIR");
		snprintf(t->tmp, sizeof(t->tmp), "%s/sealway-probe-XXXXXX",
			 dir && *dir ? dir : "/tmp");
		if (!mkdtemp(t->tmp)) {
			perror("sealway-probe: mkdtemp");
			return false;
		}
	}
	/* A fresh runtime dir each start: a crashed compositor leaves its socket behind. */
	snprintf(t->runtime, sizeof(t->runtime), "%s/runtime.%d", t->tmp, t->starts);
	if (mkdir(t->runtime, 0700) < 0) {
		perror("sealway-probe: mkdir runtime");
		return false;
	}
	if (t->user) {
		struct passwd *pw = getpwnam(t->user);
		if (!pw || chown(t->runtime, pw->pw_uid, pw->pw_gid) < 0 ||
		    chmod(t->tmp, 0711) < 0) {
			fprintf(stderr, "sealway-probe: cannot give the runtime dir to %s\n",
				t->user);
			return false;
		}
	}
	char log_path[320];
	snprintf(log_path, sizeof(log_path), "%s/compositor.log", t->tmp);
	int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		perror("sealway-probe: compositor.log");
		return false;
	}
	dprintf(log_fd, "---- start %d ----\n", t->starts);
	/* Replace {socket}; without one the compositor names its own socket. */
	int argc = 0;
	while (t->argv[argc])
		argc++;
	char **argv = calloc((size_t)argc + 1, sizeof(*argv));
	bool named = false;
	char name[64];
	snprintf(name, sizeof(name), "sealway-probe-%d", (int)getpid());
	for (int i = 0; i < argc; i++) {
		const char *at = strstr(t->argv[i], "{socket}");
		if (at) {
			named = true;
			argv[i] = xasprintf("%.*s%s%s", (int)(at - t->argv[i]), t->argv[i], name,
					    at + strlen("{socket}"));
		} else {
			argv[i] = strdup(t->argv[i]);
		}
	}
	snprintf(t->socket, sizeof(t->socket), "%s", named ? name : "");
	pid_t pid = fork();
	if (pid < 0) {
		perror("sealway-probe: fork");
		close(log_fd);
		return false;
	}
	if (pid == 0)
		child_exec(t, argv, log_fd);
	close(log_fd);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	t->pid = pid;

	int64_t deadline = probe_now_ms() + START_MS;
	while (probe_now_ms() < deadline) {
		if (!target_alive(t)) {
			fprintf(stderr, "sealway-probe: the compositor %s before serving clients "
				"(log: %s)\n", t->died, log_path);
			return false;
		}
		if (socket_ready(t)) {
			setenv("XDG_RUNTIME_DIR", t->runtime, 1);
			setenv("WAYLAND_DISPLAY", t->socket, 1);
			char what[160];
			if (baseline_presented(t, what, sizeof(what)))
				return true;
		}
		usleep(50 * 1000);
	}
	fprintf(stderr, "sealway-probe: the compositor serves no client within %d s (log: %s)\n",
		START_MS / 1000, log_path);
	return false;
}

static void
target_stop(struct target *t)
{
	if (!t->spawned || !t->pid || t->died[0])
		return;
	kill(t->pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(t->pid, NULL, WNOHANG) == t->pid)
			return;
		usleep(50 * 1000);
	}
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
}

static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (remove(path) < 0)
		fprintf(stderr, "sealway-probe: remove %s: %s\n", path, strerror(errno));
	return 0;
}

/*
 * Spawn mode: the private runtime dirs and the compositor's log go, unless
 * the compositor died or never served (then the log is kept and named).
 */
static void
target_cleanup(struct target *t, bool keep)
{
	if (!t->spawned || !t->tmp[0])
		return;
	if (keep) {
		fprintf(stderr, "sealway-probe: the compositor's log is kept in "
			"%s/compositor.log\n", t->tmp);
		return;
	}
	nftw(t->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the fresh client ---- */

struct fresh {
	bool frame, presented, discarded;
	struct wl_callback *callback;			/* until done */
	struct wp_presentation_feedback *feedback;	/* until presented or discarded */
};

static void
fresh_frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	((struct fresh *)data)->frame = true;
	((struct fresh *)data)->callback = NULL;
	wl_callback_destroy(cb);
}

static const struct wl_callback_listener fresh_frame_listener = { .done = fresh_frame_done };

static void
fb_sync_output(void *data, struct wp_presentation_feedback *fb, struct wl_output *output)
{
}

static void
fb_presented(void *data, struct wp_presentation_feedback *fb, uint32_t tv_sec_hi,
	     uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t seq_hi,
	     uint32_t seq_lo, uint32_t flags)
{
	((struct fresh *)data)->presented = true;
	((struct fresh *)data)->feedback = NULL;
	wp_presentation_feedback_destroy(fb);
}

static void
fb_discarded(void *data, struct wp_presentation_feedback *fb)
{
	((struct fresh *)data)->discarded = true;
	((struct fresh *)data)->feedback = NULL;
	wp_presentation_feedback_destroy(fb);
}

static const struct wp_presentation_feedback_listener fb_listener = {
	.sync_output = fb_sync_output,
	.presented = fb_presented,
	.discarded = fb_discarded,
};

static bool
fresh_wait(struct wl_display *display, struct fresh *f, bool want_presented, int64_t deadline)
{
	while (!f->frame || (want_presented && !f->presented && !f->discarded)) {
		int left = (int)(deadline - probe_now_ms());
		if (left <= 0 || probe_dispatch_timeout(display, left) < 0)
			return false;
	}
	return true;
}

/*
 * A well-behaved client: a 32x32 window drawn twice, each frame with its
 * callback (and presentation feedback where wp_presentation exists); both
 * must come within 2 s. Says what happened in `what`.
 */
static bool
fresh_client(struct target *t, char *what, size_t size)
{
	int64_t deadline = probe_now_ms() + FRESH_CLIENT_MS;
	const struct probe_connect_options options = { .timeout_ms = FRESH_CLIENT_MS };
	struct probe_globals g;
	if (!probe_connect_with(&g, &options)) {
		snprintf(what, size, "a new client cannot connect and roundtrip");
		return false;
	}
	bool ok = false;
	struct probe_window w;
	if (!g.shm || !g.compositor || !g.wm_base) {
		snprintf(what, size, "wl_shm, wl_compositor or xdg_wm_base missing");
		goto out;
	}
	if (!probe_window_map(&g, &w, "sealway-probe fresh client")) {
		snprintf(what, size, "a new window is not configured");
		goto out;
	}
	int fd = probe_memfd(32 * 32 * 4, true);
	if (fd < 0) {
		snprintf(what, size, "the probe cannot make a memfd");
		goto out_window;
	}
	struct wl_shm_pool *pool = wl_shm_create_pool(g.shm, fd, 32 * 32 * 4);
	close(fd);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, 32, 32, 128, 1);
	wl_shm_pool_destroy(pool);
	for (int frame = 0; frame < 2; frame++) {
		struct fresh f = { 0 };
		wl_surface_attach(w.surface, buffer, 0, 0);
		wl_surface_damage_buffer(w.surface, 0, 0, 32, 32);
		f.callback = wl_surface_frame(w.surface);
		wl_callback_add_listener(f.callback, &fresh_frame_listener, &f);
		if (g.presentation) {
			f.feedback = wp_presentation_feedback(g.presentation, w.surface);
			wp_presentation_feedback_add_listener(f.feedback, &fb_listener, &f);
		}
		wl_surface_commit(w.surface);
		bool came = fresh_wait(g.display, &f, g.presentation && t->presented, deadline);
		if (f.callback)
			wl_callback_destroy(f.callback);
		if (f.feedback)
			wp_presentation_feedback_destroy(f.feedback);
		if (!came) {
			snprintf(what, size, "frame %d: %s within %d ms", frame + 1,
				 !f.frame ? "no frame callback" : "no presented or discarded",
				 FRESH_CLIENT_MS);
			goto out_buffer;
		}
	}
	snprintf(what, size, "frame callbacks%s within %d ms",
		 g.presentation && t->presented ? " and presentation feedback" : "",
		 FRESH_CLIENT_MS);
	ok = true;
out_buffer:
	wl_buffer_destroy(buffer);
out_window:
	probe_window_destroy(&w);
out:
	probe_disconnect(&g);
	return ok;
}

/*
 * The fresh client before any case. A compositor that advertises
 * wp_presentation but sends no feedback even then is told so once (on
 * stderr, and "presentation" in the JSON), and the after-case checks ask it
 * for frame callbacks only: they judge what a case changed.
 */
static bool
baseline_presented(struct target *t, char *what, size_t size)
{
	t->presented = true;
	if (fresh_client(t, what, size))
		return true;
	if (!strstr(what, "no presented or discarded"))
		return false;
	t->presented = false;
	if (!fresh_client(t, what, size))
		return false;
	fprintf(stderr, "sealway-probe: the compositor advertises wp_presentation but sends no "
		"feedback within %d ms, before any case; after-case checks ask for frame "
		"callbacks only\n", FRESH_CLIENT_MS);
	return true;
}

/* ---- globals advertised ---- */

struct advertised {
	char **names;
	uint32_t *versions;
	int count;
};

static void
adv_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface,
	   uint32_t version)
{
	struct advertised *a = data;
	char **names = realloc(a->names, sizeof(*names) * (size_t)(a->count + 1));
	if (!names)
		return;
	a->names = names;
	uint32_t *versions = realloc(a->versions, sizeof(*versions) * (size_t)(a->count + 1));
	if (!versions)
		return;
	a->versions = versions;
	a->versions[a->count] = version;
	a->names[a->count++] = strdup(interface);
}

static void
adv_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener adv_listener = {
	.global = adv_global,
	.global_remove = adv_global_remove,
};

static bool
advertised_read(struct advertised *a)
{
	struct wl_display *d = wl_display_connect(NULL);
	if (!d)
		return false;
	struct wl_registry *r = wl_display_get_registry(d);
	wl_registry_add_listener(r, &adv_listener, a);
	bool ok = probe_roundtrip_timeout(d, 5000) && !wl_display_get_error(d);
	wl_registry_destroy(r);
	wl_display_disconnect(d);
	return ok;
}

/* The highest version of `name` advertised, 0 when it is not. */
static uint32_t
advertised_version(const struct advertised *a, const char *name, size_t len)
{
	uint32_t best = 0;
	for (int i = 0; i < a->count; i++)
		if (strlen(a->names[i]) == len && strncmp(a->names[i], name, len) == 0 &&
		    a->versions[i] > best)
			best = a->versions[i];
	return best;
}

/*
 * Whether what a case needs is advertised: "interface", or "interface:N" for
 * at least version N (a rule the protocol makes only from that version on).
 * Otherwise the reason, in `why`.
 */
static bool
advertised_has(const struct advertised *a, const char *needs, char *why, size_t len)
{
	const char *colon = strchr(needs, ':');
	size_t name_len = colon ? (size_t)(colon - needs) : strlen(needs);
	uint32_t want = colon ? (uint32_t)strtoul(colon + 1, NULL, 10) : 1;
	uint32_t have = advertised_version(a, needs, name_len);
	if (have == 0)
		snprintf(why, len, "%.*s not advertised", (int)name_len, needs);
	else if (have < want)
		snprintf(why, len, "%.*s is version %u; the case needs version %u",
			 (int)name_len, needs, have, want);
	return have >= want && have > 0;
}

/* ---- running one case ---- */

/* Run the case's scenario in a child; its stdout and stderr, and its status (-1: timed out). */
static char *
run_scenario(const struct probe_case *c, int timeout_ms, int *status)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		perror("pipe2");
		exit(2);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		setvbuf(stdout, NULL, _IOLBF, 0);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		if (c->env) {
			char *kv = strdup(c->env), *eq = strchr(kv, '=');
			if (eq) {
				*eq = '\0';
				setenv(kv, eq + 1, 1);
			}
		}
		char *argv[] = { (char *)c->id, (char *)c->scenario, NULL };
		int rc = c->entry(2, argv);
		fflush(NULL);
		_exit(rc);
	}
	close(pipefd[1]);
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	int64_t deadline = probe_now_ms() + timeout_ms;
	bool timed_out = false;
	for (;;) {
		int left = (int)(deadline - probe_now_ms());
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		int r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		char chunk[4096];
		ssize_t n = read(pipefd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Output past MAX_OUTPUT is drained and dropped. */
		if (len + (size_t)n >= MAX_OUTPUT)
			continue;
		if (len + (size_t)n + 1 > cap) {
			cap = (len + (size_t)n + 1) * 2;
			out = realloc(out, cap);
		}
		memcpy(out + len, chunk, (size_t)n);
		len += (size_t)n;
	}
	out[len] = '\0';
	close(pipefd[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	int st = 0;
	waitpid(pid, &st, 0);
	*status = timed_out ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return out;
}

/* Whether a line is libwayland's report of a protocol error: "iface@ID: error N: MESSAGE". */
static bool
is_error_line(const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && line[i] != '@' && line[i] != ' ')
		i++;
	if (i == 0 || i == n || line[i] != '@')
		return false;
	size_t digits = ++i;
	while (i < n && line[i] >= '0' && line[i] <= '9')
		i++;
	return i > digits && n - i >= 8 && memcmp(line + i, ": error ", 8) == 0;
}

static void
copy_line(char *dst, size_t size, const char *line, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, line, n);
	dst[n] = '\0';
}

/* The last line of `out` equal to or starting with an outcome word; "" if none. */
static void
find_outcome(const char *out, char *outcome, size_t size, char *message, size_t msize,
	     char *checks, size_t csize)
{
	outcome[0] = message[0] = checks[0] = '\0';
	const char *line = out;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		if ((n == 2 && strncmp(line, "ok", 2) == 0) ||
		    strncmp(line, "protocol-error ", 15) == 0 ||
		    (n == 12 && strncmp(line, "disconnected", 12) == 0) ||
		    (n == 9 && strncmp(line, "no-answer", 9) == 0))
			copy_line(outcome, size, line, n);
		if (is_error_line(line, n) && !message[0])
			copy_line(message, msize, line, n);
		if (n >= 14 && strncmp(line, "check-failed: ", 14) == 0 && !checks[0])
			copy_line(checks, csize, line + 14, n - 14);
		line = end ? end + 1 : line + n;
	}
}

static bool
interface_allowed(const char *list, const char *iface)
{
	size_t n = strlen(iface);
	for (const char *p = list; p && *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, iface, n) == 0)
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

/* The verdict of the scenario alone, before the after-case checks. */
static enum verdict
judge(const struct probe_case *c, const char *outcome, const char *checks, char **reason)
{
	char iface[128] = "";
	int code = -1;
	bool is_error = sscanf(outcome, "protocol-error interface=%127s code=%d", iface,
			       &code) == 2;
	if ((c->judge == JUDGE_SELF || c->judge == JUDGE_OK) && checks[0]) {
		*reason = xasprintf("%s", checks);
		return V_FAIL;
	}
	if (strcmp(outcome, "no-answer") == 0 || !outcome[0]) {
		*reason = xasprintf("the compositor did not answer a roundtrip");
		return V_FAIL;
	}
	switch (c->judge) {
	case JUDGE_ERROR:
		if (is_error && interface_allowed(c->interfaces, iface) &&
		    (c->code < 0 || code == c->code))
			return V_PASS;
		if (c->code < 0)
			*reason = xasprintf("expected a protocol error on %s, got %s",
					    c->interfaces, outcome);
		else
			*reason = xasprintf("expected a protocol error on %s code %d, got %s",
					    c->interfaces, c->code, outcome);
		return V_FAIL;
	case JUDGE_OK:
		if (strcmp(outcome, "ok") == 0 && !checks[0])
			return V_PASS;
		*reason = xasprintf("expected no error, got %s%s%s", outcome,
				    checks[0] ? "; " : "", checks);
		return V_FAIL;
	case JUDGE_SELF:
		if (!checks[0])
			return V_PASS;
		*reason = xasprintf("%s", checks);
		return V_FAIL;
	case JUDGE_SURVIVE:
		return V_PASS;
	case JUDGE_INFO:
		return V_INFO;
	}
	return V_FAIL;
}

static void
run_case(struct target *t, const struct probe_case *c, const struct advertised *adv,
	 int timeout_ms, struct result *r)
{
	r->c = c;
	r->before.count = r->after.count = -1;
	if (t->died[0] && !t->spawned) {
		r->verdict = V_SKIP;
		r->reason = xasprintf("the compositor is gone (%s)", t->died);
		return;
	}
	char why[160];
	if (c->needs && !advertised_has(adv, c->needs, why, sizeof(why))) {
		r->verdict = V_SKIP;
		r->reason = xasprintf("%s", why);
		return;
	}
	if (c->device && access(c->device, R_OK | W_OK) < 0) {
		r->verdict = V_SKIP;
		r->reason = xasprintf("no %s (%s)", c->device, strerror(errno));
		return;
	}
	if (t->pid)
		r->before = fd_list_read(t->pid);

	/* Floods have a bystander, from before the flood to after it. */
	struct bystander by = { 0 };
	bool with_bystander = strncmp(c->id, "flood.", 6) == 0 &&
			      bystander_start(&by, r->bystander_note, sizeof(r->bystander_note));
	if (strncmp(c->id, "flood.", 6) == 0 && !with_bystander)
		fprintf(stderr, "sealway-probe: %s: no bystander: %s\n", c->id,
			r->bystander_note);

	int64_t start = probe_now_ms();
	int status;
	char *out = run_scenario(c, timeout_ms, &status);
	r->case_ms = probe_now_ms() - start;
	if (with_bystander)
		r->bystander = bystander_stop(&by, &r->by, r->bystander_note,
					      sizeof(r->bystander_note));
	char outcome[160], message[512], checks[512];
	find_outcome(out, outcome, sizeof(outcome), message, sizeof(message), checks,
		     sizeof(checks));
	/* The observation: the outcome, the error message, and the scenario's own report. */
	char extra[2048] = "";
	const char *line = out;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		/* Lines the scenario prints about what it saw (not libwayland's or the outcome). */
		if (n && strncmp(line, outcome, n) != 0 && !is_error_line(line, n) &&
		    strncmp(line, "check-failed", 12) != 0 &&
		    strlen(extra) + n + 3 < sizeof(extra)) {
			if (extra[0])
				strcat(extra, " | ");
			strncat(extra, line, n);
		}
		line = end ? end + 1 : line + n;
	}
	char by_said[200] = "";
	if (r->bystander)
		snprintf(by_said, sizeof(by_said), " | bystander: %d frames, p50 %d ms, longest "
			 "without a frame %d ms", r->by.frames, r->by.p50_ms, r->by.max_ms);
	else if (r->bystander_note[0])
		snprintf(by_said, sizeof(by_said), " | bystander: %s", r->bystander_note);
	r->observation = xasprintf("%s%s%s%s%s%s", outcome[0] ? outcome : "(no outcome)",
				   message[0] ? " | " : "", message, extra[0] ? " | " : "", extra,
				   by_said);

	int64_t checks_start = probe_now_ms();
	r->alive = target_alive(t);
	if (!r->alive) {
		snprintf(r->died, sizeof(r->died), "%s", t->died);
		r->verdict = V_FAIL;
		r->reason = xasprintf("the compositor died during the case: %s", t->died);
	} else if (status == 2 || status == -1 || (status > 2 && !outcome[0])) {
		r->fresh_ok = fresh_client(t, r->fresh, sizeof(r->fresh));
		if (!r->fresh_ok) {
			r->verdict = V_FAIL;
			r->reason = xasprintf("%s; then a fresh client: %s",
					      status == -1 ? "the case timed out"
							   : "the case could not finish",
					      r->fresh);
		} else if (status == -1) {
			r->verdict = V_FAIL;
			r->reason = xasprintf("the case did not finish within %d ms", timeout_ms);
		} else {
			r->verdict = V_SKIP;
			/* The scenario's last line says why. */
			const char *last = out + strlen(out);
			while (last > out && last[-1] == '\n')
				last--;
			const char *s = last;
			while (s > out && s[-1] != '\n')
				s--;
			r->reason = xasprintf("could not be set up: %.*s", (int)(last - s), s);
		}
	} else {
		r->verdict = judge(c, outcome, status == 1 && !checks[0] ? "a check failed"
								       : checks, &r->reason);
		if (r->bystander && r->by.max_ms > BYSTANDER_GAP_MS) {
			char *prev = r->reason;
			r->reason = xasprintf("%s%sa client beside the flood saw no frame for "
					      "%d ms (more than %d ms)", prev ? prev : "",
					      prev ? "; " : "", r->by.max_ms, BYSTANDER_GAP_MS);
			free(prev);
			r->verdict = V_FAIL;
		}
		r->fresh_ok = fresh_client(t, r->fresh, sizeof(r->fresh));
		if (!r->fresh_ok) {
			free(r->reason);
			r->verdict = V_FAIL;
			r->reason = xasprintf("after the case a fresh client: %s", r->fresh);
		}
	}
	free(out);

	/* The fds: back to where they were before the case. */
	if (r->alive && t->pid && r->before.count >= 0) {
		int64_t deadline = probe_now_ms() + FD_SETTLE_MS;
		while (fd_count(t->pid) > r->before.count && probe_now_ms() < deadline)
			usleep(50 * 1000);
		r->after = fd_list_read(t->pid);
		for (int i = 0; i < r->after.count; i++) {
			bool old = false;
			for (int j = 0; j < r->before.count && !old; j++)
				old = strcmp(r->after.links[i], r->before.links[j]) == 0;
			if (!old) {
				r->new_fds = realloc(r->new_fds, sizeof(char *) *
							 (size_t)(r->new_fd_count + 1));
				r->new_fds[r->new_fd_count++] = r->after.links[i];
			}
		}
		if (r->after.count > r->before.count && r->verdict != V_SKIP) {
			char list[512] = "";
			for (int i = 0; i < r->new_fd_count; i++) {
				if (strlen(list) + strlen(r->new_fds[i]) + 3 >= sizeof(list))
					break;
				if (list[0])
					strcat(list, ", ");
				strcat(list, r->new_fds[i]);
			}
			char *prev = r->reason;
			r->reason = xasprintf("%s%sthe compositor holds %d fds, %d before the case "
					      "(new: %s)", prev ? prev : "", prev ? "; " : "",
					      r->after.count, r->before.count, list);
			free(prev);
			r->verdict = V_FAIL;
		}
	}
	/*
	 * Some compositors read a client's buffer only on a later repaint (one
	 * the fresh client caused, say): a short quiet time, then alive again,
	 * so such a late crash is still this case's.
	 */
	if (r->alive) {
		usleep(LATE_CRASH_MS * 1000);
		if (!target_alive(t)) {
			r->alive = false;
			snprintf(r->died, sizeof(r->died), "%s", t->died);
			char *prev = r->reason;
			r->reason = xasprintf("the compositor died just after the case: %s%s%s",
					      t->died, prev ? "; " : "", prev ? prev : "");
			free(prev);
			r->verdict = V_FAIL;
		}
	}
	r->checks_ms = probe_now_ms() - checks_start;

	if (!r->alive && t->spawned) {
		/* Start it again, so the next crash is the next case's. */
		if (!target_start(t))
			snprintf(t->died, sizeof(t->died), "could not be started again");
	}
}

/* ---- output ---- */

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static const char *
family_of(const char *id, char *buf, size_t size)
{
	const char *dot = strchr(id, '.');
	snprintf(buf, size, "%.*s", dot ? (int)(dot - id) : (int)strlen(id), id);
	return buf;
}

static void
print_results(FILE *f, enum format format, const struct result *res, int n,
	      const struct target *t, const char *compositor)
{
	int counts[4] = { 0 };
	for (int i = 0; i < n; i++)
		counts[res[i].verdict]++;
	char fam[32];
	if (format == FORMAT_TAP)
		fprintf(f, "1..%d\n", n);
	if (format == FORMAT_JSON) {
		fprintf(f, "{\n  \"tool\": \"sealway-probe\",\n  \"compositor\": ");
		json_string(f, compositor);
		fprintf(f, ",\n  \"presentation_feedback\": %s", t->presented ? "true" : "false");
		fprintf(f, ",\n  \"starts\": %d,\n  \"summary\": {\"pass\": %d, \"fail\": %d, "
			"\"info\": %d, \"skip\": %d},\n  \"cases\": [", t->starts, counts[V_PASS],
			counts[V_FAIL], counts[V_INFO], counts[V_SKIP]);
	}
	for (int i = 0; i < n; i++) {
		const struct result *r = &res[i];
		const char *v = verdict_names[r->verdict];
		switch (format) {
		case FORMAT_TEXT:
			fprintf(f, "%-4s %s\n     requires: %s\n", v, r->c->id, r->c->requirement);
			if (r->observation)
				fprintf(f, "     observed: %s\n", r->observation);
			if (r->reason)
				fprintf(f, "     %s: %s\n",
					r->verdict == V_SKIP ? "skipped" : "why", r->reason);
			break;
		case FORMAT_TAP:
			fprintf(f, "%s %d - %s", r->verdict == V_FAIL ? "not ok" : "ok", i + 1,
				r->c->id);
			if (r->verdict == V_SKIP)
				fprintf(f, " # SKIP %s", r->reason);
			else if (r->verdict == V_INFO)
				fprintf(f, " # INFO %s", r->observation);
			fprintf(f, "\n");
			if (r->verdict == V_FAIL)
				fprintf(f, "# %s\n", r->reason);
			break;
		case FORMAT_JSON:
			fprintf(f, "%s\n    {\"id\": ", i ? "," : "");
			json_string(f, r->c->id);
			fprintf(f, ", \"family\": ");
			json_string(f, family_of(r->c->id, fam, sizeof(fam)));
			fprintf(f, ", \"verdict\": \"%s\",\n     \"expectation\": ", v);
			json_string(f, r->c->requirement);
			fprintf(f, ",\n     \"observation\": ");
			if (r->observation)
				json_string(f, r->observation);
			else
				fputs("null", f);
			fprintf(f, ",\n     \"reason\": ");
			if (r->reason)
				json_string(f, r->reason);
			else
				fputs("null", f);
			fprintf(f, ",\n     \"alive\": %s, \"died\": ",
				r->verdict == V_SKIP && !r->observation ? "null"
				: r->alive ? "true" : "false");
			if (r->died[0])
				json_string(f, r->died);
			else
				fputs("null", f);
			fprintf(f, ", \"fresh_client\": ");
			if (r->fresh[0])
				json_string(f, r->fresh);
			else
				fputs("null", f);
			fprintf(f, ",\n     \"timings\": {\"case_ms\": %lld, \"checks_ms\": %lld},",
				(long long)r->case_ms, (long long)r->checks_ms);
			if (r->bystander)
				fprintf(f, "\n     \"bystander\": {\"frames\": %d, \"p50_ms\": %d, "
					"\"max_ms\": %d},", r->by.frames, r->by.p50_ms,
					r->by.max_ms);
			fprintf(f, "\n     \"fds\": {\"before\": %d, \"after\": %d, \"new\": [",
				r->before.count, r->after.count);
			for (int k = 0; k < r->new_fd_count; k++) {
				if (k)
					fputs(", ", f);
				json_string(f, r->new_fds[k]);
			}
			fprintf(f, "]}}");
			break;
		}
	}
	if (format == FORMAT_JSON)
		fprintf(f, "\n  ]\n}\n");
	if (format == FORMAT_TEXT && !t->presented)
		fprintf(f, "note: no presentation feedback even before the cases\n");
	if (format == FORMAT_TEXT)
		fprintf(f, "%d PASS, %d FAIL, %d INFO, %d SKIP\n", counts[V_PASS], counts[V_FAIL],
			counts[V_INFO], counts[V_SKIP]);
}

/* ---- options ---- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sealway-probe [OPTIONS]                    (attach to $WAYLAND_DISPLAY)\n"
		"       sealway-probe [OPTIONS] -- COMPOSITOR ARGS...  (spawn; {socket} replaced)\n"
		"  --list               list the cases and what each requires\n"
		"  --case GLOB          the cases whose id (or family prefix) matches; repeatable\n"
		"  --format FORMAT      text (default), tap or json\n"
		"  --timeout-ms N       time one case may take (default 30000)\n"
		"  --nofile N           spawn: the compositor's soft RLIMIT_NOFILE (default 1024)\n"
		"  --pid PID            attach: the compositor's pid, for the fd checks\n"
		"  --user USER          spawn: run the compositor as USER\n"
		"  --output FILE        write the results to FILE instead of stdout\n"
		"exit status: 0 no case failed, 1 some did, 2 the compositor could not be started "
		"or serves no client\n");
}

static bool
selected(const struct probe_case *c, char **globs, int nglobs)
{
	if (nglobs == 0)
		return true;
	for (int i = 0; i < nglobs; i++) {
		char family[128];
		snprintf(family, sizeof(family), "%s.*", globs[i]);
		if (fnmatch(globs[i], c->id, 0) == 0 || fnmatch(family, c->id, 0) == 0)
			return true;
	}
	return false;
}

static bool
parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int
main(int argc, char *argv[])
{
	enum { OPT_LIST = 256, OPT_CASE, OPT_FORMAT, OPT_TIMEOUT, OPT_NOFILE, OPT_PID, OPT_USER,
	       OPT_OUTPUT };
	static const struct option long_options[] = {
		{ "list", no_argument, NULL, OPT_LIST },
		{ "case", required_argument, NULL, OPT_CASE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
		{ "nofile", required_argument, NULL, OPT_NOFILE },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "user", required_argument, NULL, OPT_USER },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool list = false;
	enum { MAX_GLOBS = 64 };
	char *globs[MAX_GLOBS];
	int nglobs = 0;
	enum format format = FORMAT_TEXT;
	long timeout_ms = 30000, nofile = 1024, pid = 0;
	const char *output = NULL;
	struct target t = { 0 };
	int opt;
	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_LIST:
			list = true;
			break;
		case OPT_CASE:
			if (nglobs == MAX_GLOBS) {
				fprintf(stderr, "sealway-probe: at most %d --case\n", MAX_GLOBS);
				return 2;
			}
			globs[nglobs++] = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				format = FORMAT_TEXT;
			else if (strcmp(optarg, "tap") == 0)
				format = FORMAT_TAP;
			else if (strcmp(optarg, "json") == 0)
				format = FORMAT_JSON;
			else {
				fprintf(stderr, "sealway-probe: --format %s: text, tap or json\n",
					optarg);
				return 2;
			}
			break;
		case OPT_TIMEOUT:
			if (!parse_int(optarg, 100, 3600000, &timeout_ms)) {
				fprintf(stderr, "sealway-probe: --timeout-ms %s: 100 to 3600000\n",
					optarg);
				return 2;
			}
			break;
		case OPT_NOFILE:
			if (!parse_int(optarg, 16, 1 << 24, &nofile)) {
				fprintf(stderr, "sealway-probe: --nofile %s: 16 to 16777216\n",
					optarg);
				return 2;
			}
			break;
		case OPT_PID:
			if (!parse_int(optarg, 1, 1 << 30, &pid)) {
				fprintf(stderr, "sealway-probe: --pid %s: not a pid\n", optarg);
				return 2;
			}
			break;
		case OPT_USER:
			t.user = optarg;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}

	int count = 0;
	for (unsigned i = 0; i < probe_case_count; i++)
		count += selected(&probe_cases[i], globs, nglobs);
	if (count == 0) {
		fprintf(stderr, "sealway-probe: no case matches (see --list)\n");
		return 2;
	}
	if (list) {
		for (unsigned i = 0; i < probe_case_count; i++)
			if (selected(&probe_cases[i], globs, nglobs))
				printf("%-40s %s\n", probe_cases[i].id, probe_cases[i].requirement);
		return 0;
	}

	FILE *out = stdout;
	if (output && !(out = fopen(output, "we"))) {
		fprintf(stderr, "sealway-probe: %s: %s\n", output, strerror(errno));
		return 2;
	}
	/* A case's SIGPIPE (a compositor hanging up) must not end the run. */
	signal(SIGPIPE, SIG_IGN);
	/* Floods hold many connections: the probe takes all the fds it may have. */
	struct rlimit lim;
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}

	char *compositor;
	t.nofile = (rlim_t)nofile;
	if (optind < argc) {
		t.argv = &argv[optind];
		t.spawned = true;
		size_t len = 0;
		for (int i = optind; i < argc; i++)
			len += strlen(argv[i]) + 1;
		compositor = calloc(1, len + 1);
		for (int i = optind; i < argc; i++) {
			if (i > optind)
				strcat(compositor, " ");
			strcat(compositor, argv[i]);
		}
		if (!target_start(&t)) {
			target_stop(&t);
			target_cleanup(&t, true);
			free(compositor);
			return 2;
		}
	} else {
		t.pid = (pid_t)pid;
		compositor = xasprintf("attached to %s%s", getenv("WAYLAND_DISPLAY") ?
				       getenv("WAYLAND_DISPLAY") : "wayland-0", "");
		char what[160];
		if (!baseline_presented(&t, what, sizeof(what))) {
			fprintf(stderr, "sealway-probe: the compositor serves no client: %s\n",
				what);
			free(compositor);
			return 2;
		}
	}
	struct advertised adv = { 0 };
	if (!advertised_read(&adv)) {
		fprintf(stderr, "sealway-probe: cannot read the compositor's globals\n");
		target_stop(&t);
		target_cleanup(&t, true);
		free(compositor);
		return 2;
	}

	struct result *res = calloc((size_t)count, sizeof(*res));
	int n = 0, failed = 0;
	for (unsigned i = 0; i < probe_case_count; i++) {
		if (!selected(&probe_cases[i], globs, nglobs))
			continue;
		if (format == FORMAT_TEXT && out != stdout)
			fprintf(stderr, "sealway-probe: %s\n", probe_cases[i].id);
		run_case(&t, &probe_cases[i], &adv, (int)timeout_ms, &res[n]);
		failed += res[n].verdict == V_FAIL;
		n++;
		if (t.spawned && t.died[0]) {
			fprintf(stderr, "sealway-probe: the compositor %s\n", t.died);
			break;
		}
	}
	print_results(out, format, res, n, &t, compositor);
	if (out != stdout)
		fclose(out);
	target_stop(&t);
	target_cleanup(&t, t.starts > 1 || t.died[0]);
	for (int i = 0; i < n; i++) {
		free(res[i].observation);
		free(res[i].reason);
		free(res[i].new_fds);
		fd_list_free(&res[i].before);
		fd_list_free(&res[i].after);
	}
	free(res);
	for (int i = 0; i < adv.count; i++)
		free(adv.names[i]);
	free(adv.names);
	free(adv.versions);
	free(compositor);
	if (t.spawned && t.died[0])
		return 2;
	return failed ? 1 : 0;
}
