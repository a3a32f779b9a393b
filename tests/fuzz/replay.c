/*
 * Runs files through the fuzzer's harness once each, without fuzzing: the
 * regression test for what the fuzzer found, in any build (no clang needed).
 *
 *   fuzz-replay FILE|DIR...
 *
 * A crash, a sanitizer report or a leaked fd ends it like it ends the fuzzer;
 * otherwise it prints how many inputs ran and exits 0.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int
replay_file(const char *path)
{
	FILE *file = fopen(path, "rb");
	if (!file) {
		fprintf(stderr, "fuzz-replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, n;
	do {
		if (size == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *grown = realloc(data, cap);
			if (!grown) {
				fprintf(stderr, "fuzz-replay: out of memory reading %s\n", path);
				free(data);
				fclose(file);
				return -1;
			}
			data = grown;
		}
		n = fread(data + size, 1, cap - size, file);
		size += n;
	} while (n > 0);
	bool failed = ferror(file);
	fclose(file);
	if (failed) {
		fprintf(stderr, "fuzz-replay: cannot read %s\n", path);
		free(data);
		return -1;
	}
	printf("# %s (%zu bytes)\n", path, size);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 1;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of a directory, in name order so runs are alike. Returns the count or -1. */
static int
replay_dir(const char *path)
{
	DIR *dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "fuzz-replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t count = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char **grown = realloc(names, (count + 1) * sizeof(*names));
		if (!grown || !(grown[count] = strdup(e->d_name))) {
			fprintf(stderr, "fuzz-replay: out of memory listing %s\n", path);
			names = grown ? grown : names;
			break;
		}
		names = grown;
		count++;
	}
	closedir(dir);
	qsort(names, count, sizeof(*names), compare_names);
	int ran = 0;
	for (size_t i = 0; i < count; i++) {
		char file[4096];
		snprintf(file, sizeof(file), "%s/%s", path, names[i]);
		if (ran >= 0) {
			int r = replay_file(file);
			ran = r < 0 ? -1 : ran + r;
		}
		free(names[i]);
	}
	free(names);
	return ran;
}

int
main(int argc, char **argv)
{
	LLVMFuzzerInitialize(&argc, &argv);
	int total = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int r = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) ? replay_dir(argv[i])
									 : replay_file(argv[i]);
		if (r < 0)
			return 1;
		total += r;
	}
	printf("fuzz-replay: %d inputs ran without a crash, a sanitizer report or a leaked fd\n",
	       total);
	return 0;
}
