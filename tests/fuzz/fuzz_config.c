/*
 * fuzz_config: any byte string as a configuration file must load or be
 * refused with a message, never crash.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fconfig.h"
#include "ferr.h"
#include "proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[96];

static void
fuzz_cleanup(void)
{
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fulfil_config *cfg = NULL;
	struct ferr err;
	int fd, r;

	if (path[0] == '\0') {
		const char *tmp = getenv("TMPDIR");

		snprintf(path, sizeof path, "%s/fulfil-fuzz.XXXXXX",
		    tmp ? tmp : "/tmp");
		if (proc_harden(&err) != 0 || mkdtemp(path) == NULL)
			abort();
		strcat(path, "/fulfil.conf");
		atexit(fuzz_cleanup);
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	memset(&err, 0, sizeof err);
	r = config_load(path, &cfg, &err);
	if (r != 0 && (err.msg[0] == '\0' || strchr(err.msg, '\033') != NULL))
		abort();	/* a refusal says why, and carries no escapes */
	config_free(cfg);
	return 0;
}
