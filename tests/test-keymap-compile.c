/*
 * Unit test of the keymap compiler's child process: a keymap that compiles
 * comes back as xkbcommon's text; one that does not is refused with
 * xkbcommon's first error; one that includes a FIFO (the compile blocks in
 * open) is given up at the deadline; a child whose parent dies mid-compile
 * dies too. Every time the child is reaped and no fd is left behind.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keymap_compile.h"
#include "test-util.h"

static const char good[] =
	"// a comment xkbcommon does not keep\n"
	"xkb_keymap {\n"
	"  xkb_keycodes { minimum = 8; maximum = 255; <K1> = 38; };\n"
	"  xkb_types { include \"complete\" };\n"
	"  xkb_compatibility { include \"complete\" };\n"
	"  xkb_symbols { key <K1> { [ a, A ] }; };\n"
	"};\n";

/* True when no child of ours is left, running or a zombie. */
static bool
no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
a_keymap_that_compiles_comes_back_compiled(struct sw_test *t)
{
	int fds = sw_test_count_fds();
	char why[SW_KEYMAP_COMPILE_WHY_SIZE];
	char *text = sw_keymap_compile(good, SW_XKB_BASE, 5000, why, sizeof(why));
	SW_CHECK(t, text != NULL, "the keymap compiles (got: %s)\n", why);
	if (text) {
		SW_CHECK(t, strncmp(text, "xkb_keymap {", 12) == 0,
			 "the result is xkbcommon's text (starts \"%.20s\")\n", text);
		SW_CHECK(t, strstr(text, "a comment") == NULL,
			 "the sender's comment is not in it\n");
		SW_CHECK(t, strstr(text, "<K1>") != NULL, "its key <K1> is in it\n");
	}
	free(text);
	SW_CHECK(t, no_children(), "the child is reaped\n");
	SW_CHECK(t, sw_test_count_fds() == fds, "no fd is left behind (%d, then %d)\n", fds, sw_test_count_fds());
}

static void
a_syntax_error_is_refused_with_xkbcommons_reason(struct sw_test *t)
{
	int fds = sw_test_count_fds();
	char why[SW_KEYMAP_COMPILE_WHY_SIZE];
	char *text = sw_keymap_compile("xkb_keymap { xkb_keycodes { <K1> = ; }; };",
				       SW_XKB_BASE, 5000, why, sizeof(why));
	SW_CHECK(t, text == NULL, "a keymap with a syntax error does not compile\n");
	SW_CHECK(t, strncmp(why, "it does not compile: ", 21) == 0 &&
		 strstr(why, "syntax error") != NULL,
		 "the reason is xkbcommon's first error (got \"%s\")\n", why);
	free(text);
	SW_CHECK(t, no_children(), "the child is reaped\n");
	SW_CHECK(t, sw_test_count_fds() == fds, "no fd is left behind (%d, then %d)\n", fds, sw_test_count_fds());
}

/* An XKB directory whose keycodes/fifo is a FIFO: a keymap including it blocks in open. */
struct fifo_dir {
	char dir[32];
	char keycodes[48];
	char fifo[64];
};

static const char includes_the_fifo[] =
	"xkb_keymap {\n"
	"  xkb_keycodes { include \"fifo\" };\n"
	"  xkb_types { };\n"
	"  xkb_compatibility { };\n"
	"  xkb_symbols { };\n"
	"};\n";

static bool
fifo_dir_make(struct sw_test *t, struct fifo_dir *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/sw-keymap-XXXXXX");
	if (!mkdtemp(f->dir)) {
		SW_CHECK(t, false, "mkdtemp: %s\n", strerror(errno));
		return false;
	}
	snprintf(f->keycodes, sizeof(f->keycodes), "%s/keycodes", f->dir);
	snprintf(f->fifo, sizeof(f->fifo), "%s/fifo", f->keycodes);
	bool ok = mkdir(f->keycodes, 0700) == 0 && mkfifo(f->fifo, 0600) == 0;
	SW_CHECK(t, ok, "make %s: %s\n", f->fifo, strerror(errno));
	return ok;
}

static void
fifo_dir_remove(struct fifo_dir *f)
{
	unlink(f->fifo);
	rmdir(f->keycodes);
	rmdir(f->dir);
}

static void
a_compile_that_blocks_is_given_up_at_the_deadline(struct sw_test *t)
{
	struct fifo_dir f;
	if (!fifo_dir_make(t, &f)) {
		fifo_dir_remove(&f);
		return;
	}
	int fds = sw_test_count_fds();
	char why[SW_KEYMAP_COMPILE_WHY_SIZE];
	double start = now_ms();
	char *text = sw_keymap_compile(includes_the_fifo, f.dir, 300, why, sizeof(why));
	double took = now_ms() - start;
	SW_CHECK(t, text == NULL, "a keymap whose include blocks is refused\n");
	SW_CHECK(t, strcmp(why, "xkbcommon did not finish compiling it in 300 ms") == 0,
		 "the reason names the deadline (got \"%s\")\n", why);
	SW_CHECK(t, took >= 290 && took < 5000,
		 "it is given up at the 300 ms deadline, not before (took %.0f ms)\n", took);
	free(text);
	SW_CHECK(t, no_children(), "the killed child is reaped\n");
	SW_CHECK(t, sw_test_count_fds() == fds, "no fd is left behind (%d, then %d)\n", fds, sw_test_count_fds());
	fifo_dir_remove(&f);
}

static void
the_compiling_child_dies_with_the_compositor(struct sw_test *t)
{
	struct fifo_dir f;
	if (!fifo_dir_make(t, &f)) {
		fifo_dir_remove(&f);
		return;
	}
	/* The compiling child, orphaned, becomes ours to wait for. */
	SW_CHECK(t, prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "PR_SET_CHILD_SUBREAPER: %s\n",
		 strerror(errno));
	pid_t compositor = fork();
	if (compositor == 0) {
		char why[SW_KEYMAP_COMPILE_WHY_SIZE];
		sw_keymap_compile(includes_the_fifo, f.dir, 60000, why, sizeof(why));
		_exit(0);
	}
	SW_CHECK(t, compositor > 0, "fork: %s\n", strerror(errno));
	if (compositor < 0) {
		fifo_dir_remove(&f);
		return;
	}
	/* Let the compile start and block in the include, then kill its parent. */
	usleep(200 * 1000);
	kill(compositor, SIGKILL);
	int status;
	SW_CHECK(t, waitpid(compositor, &status, 0) == compositor && WIFSIGNALED(status),
		 "the stand-in compositor was killed\n");

	/* Its compiling child must go too, long before the 60 s deadline. */
	pid_t gone = 0;
	double start = now_ms();
	while (now_ms() - start < 5000) {
		gone = waitpid(-1, &status, WNOHANG);
		if (gone != 0)
			break;
		usleep(10 * 1000);
	}
	SW_CHECK(t, gone > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		 "the compiling child was killed with its parent (waitpid %d after %.0f ms)\n",
		 (int)gone, now_ms() - start);
	SW_CHECK(t, no_children(), "nothing of the compile is left\n");
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	fifo_dir_remove(&f);
}

int
main(void)
{
	struct sw_test t = { 0 };
	SW_RUN(&t, a_keymap_that_compiles_comes_back_compiled);
	SW_RUN(&t, a_syntax_error_is_refused_with_xkbcommons_reason);
	SW_RUN(&t, a_compile_that_blocks_is_given_up_at_the_deadline);
	SW_RUN(&t, the_compiling_child_dies_with_the_compositor);
	return sw_test_finish(&t);
}
