#ifndef SW_TEST_UTIL_H
#define SW_TEST_UTIL_H

#include <dirent.h>
#include <stdio.h>

/*
 * A minimal test runner: each check prints what must hold when it does not,
 * and the program's exit status is the verdict (0 pass, 1 fail), as meson
 * test expects.
 */
struct sw_test {
	const char *current;
	int checks;
	int failures;
	int failed_cases;
};

#define SW_CHECK(t, cond, ...) \
	do { \
		(t)->checks++; \
		if (!(cond)) { \
			(t)->failures++; \
			fprintf(stderr, "FAIL %s (%s:%d): ", (t)->current, __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__); \
			fprintf(stderr, "  [%s]\n", #cond); \
		} \
	} while (0)

#define SW_RUN(t, fn) \
	do { \
		int before_ = (t)->failures; \
		(t)->current = #fn; \
		fn(t); \
		if ((t)->failures != before_) \
			(t)->failed_cases++; \
		printf("%s %s\n", (t)->failures == before_ ? "ok  " : "FAIL", #fn); \
	} while (0)

static inline int
sw_test_finish(struct sw_test *t)
{
	printf("%d checks, %d failed, %d failing cases\n", t->checks, t->failures,
	       t->failed_cases);
	return t->failures ? 1 : 0;
}

/* The fds this process has open, "." and ".." included: compare two counts. */
static inline int
sw_test_count_fds(void)
{
	int n = 0;
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

#endif
