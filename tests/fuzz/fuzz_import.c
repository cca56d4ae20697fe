/*
 * fuzz_import: any byte string handed to the order importer must give a
 * clean result (imported, rejected or refused), never a crash, and never
 * leave the cache unable to open what it stored.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "ferr.h"
#include "orders.h"
#include "proc.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *st;
static struct kek *kek;
static enum fulfil_cipher cipher;
static char dir[64];

static void
fuzz_cleanup(void)
{
	char cmd[128];

	store_close(st);
	crypto_kek_free(kek);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_import: could not remove %s\n", dir);
}

static void
fuzz_setup(void)
{
	struct ferr err;
	char key[96], data_dir[80];
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/fulfil-fuzz.XXXXXX", tmp ? tmp : "/tmp");
	if (proc_harden(&err) != 0 || mkdtemp(dir) == NULL)
		abort();
	snprintf(key, sizeof key, "%s/cache.key", dir);
	snprintf(data_dir, sizeof data_dir, "%s/data", dir);
	if (crypto_kek_create(key, 1, &err) != 0 ||
	    crypto_kek_load(key, &kek, &err) != 0 ||
	    crypto_cipher_resolve(FULFIL_CIPHER_AUTO, &cipher, &err) != 0 ||
	    store_open(data_dir, STORE_CREATE, &st, &err) != 0) {
		fprintf(stderr, "fuzz_import: setup: %s\n", err.msg);
		abort();
	}
	atexit(fuzz_cleanup);
}

static void
fuzz_reject(void *ctx, const char *msg)
{
	(void)ctx;
	if (msg == NULL || *msg == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct orders_ingest_stats stats;
	struct ferr err;
	int r;

	if (st == NULL)
		fuzz_setup();
	memset(&stats, 0, sizeof stats);
	r = orders_import_buffer(st, kek, cipher, (const char *)data, size,
	    fuzz_reject, NULL, &stats, &err);
	if (r != 0 && err.msg[0] == '\0')
		abort();	/* every failure must say why */
	if (stats.imported + stats.updated + stats.unchanged + stats.rejected !=
	    stats.received && r == 0)
		abort();	/* every order is accounted for */
	return 0;
}
