/*
 * Unit test of the keymap compiler's child process: a keymap that compiles
 * comes back as xkbcommon's text; one that does not is refused with
 * xkbcommon's first error; one that includes a FIFO (the compile blocks in
 * open) is given up at the deadline. Every time the child is reaped and no
 * fd is left behind.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	char why[256];
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
	char why[256];
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

static void
a_compile_that_blocks_is_given_up_at_the_deadline(struct sw_test *t)
{
	char dir[] = "/tmp/sw-keymap-XXXXXX";
	if (!mkdtemp(dir)) {
		SW_CHECK(t, false, "mkdtemp: %s\n", strerror(errno));
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "%s/keycodes", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/keycodes/fifo", dir);
	SW_CHECK(t, mkfifo(path, 0600) == 0, "mkfifo %s: %s\n", path, strerror(errno));

	int fds = sw_test_count_fds();
	char why[256];
	double start = now_ms();
	char *text = sw_keymap_compile("xkb_keymap {\n"
				       "  xkb_keycodes { include \"fifo\" };\n"
				       "  xkb_types { };\n"
				       "  xkb_compatibility { };\n"
				       "  xkb_symbols { };\n"
				       "};\n", dir, 300, why, sizeof(why));
	double took = now_ms() - start;
	SW_CHECK(t, text == NULL, "a keymap whose include blocks is refused\n");
	SW_CHECK(t, strcmp(why, "xkbcommon did not finish compiling it in 300 ms") == 0,
		 "the reason names the deadline (got \"%s\")\n", why);
	SW_CHECK(t, took >= 290 && took < 5000,
		 "it is given up at the 300 ms deadline, not before (took %.0f ms)\n", took);
	free(text);
	SW_CHECK(t, no_children(), "the killed child is reaped\n");
	SW_CHECK(t, sw_test_count_fds() == fds, "no fd is left behind (%d, then %d)\n", fds, sw_test_count_fds());

	unlink(path);
	snprintf(path, sizeof(path), "%s/keycodes", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(void)
{
	struct sw_test t = { 0 };
	SW_RUN(&t, a_keymap_that_compiles_comes_back_compiled);
	SW_RUN(&t, a_syntax_error_is_refused_with_xkbcommons_reason);
	SW_RUN(&t, a_compile_that_blocks_is_given_up_at_the_deadline);
	return sw_test_finish(&t);
}
