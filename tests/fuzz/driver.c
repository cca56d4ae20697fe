/*
 * driver: runs a fuzz target over corpus files without libFuzzer, so every
 * `make check` replays the corpus (as sudo does). With --enable-fuzzing the
 * targets link against libFuzzer instead and this file is not used.
 * Usage: fuzz_X [FILE|DIR]... (default: the target's corpus); prints TAP,
 * one line per input.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static void
run_file(const char *path)
{
	FILE *f;
	uint8_t *buf;
	long sz;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		printf("not ok %d - cannot read %s\n", ++n, path);
		if (f != NULL)
			fclose(f);
		return;
	}
	buf = malloc((size_t)sz + 1);
	if (buf == NULL || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		printf("not ok %d - cannot read %s\n", ++n, path);
	} else {
		LLVMFuzzerTestOneInput(buf, (size_t)sz);
		printf("ok %d - %s\n", ++n, strrchr(path, '/') ?
		    strrchr(path, '/') + 1 : path);
	}
	fflush(stdout);
	free(buf);
	fclose(f);
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
run_path(const char *path)
{
	struct stat sb;
	struct dirent *de;
	char **names = NULL;
	size_t count = 0, i;
	DIR *d;

	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		run_file(path);
		return;
	}
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", path, de->d_name) < 0)
			break;
		names = realloc(names, (count + 1) * sizeof *names);
		if (names == NULL)
			abort();
		names[count++] = p;
	}
	closedir(d);
	qsort(names, count, sizeof *names, cmp);
	for (i = 0; i < count; i++) {
		run_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 2)
		run_path(FUZZ_CORPUS);	/* the target's own corpus */
	for (i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("1..%d\n", n);
	return 0;
}
