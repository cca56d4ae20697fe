/*
 * test_crypto: the crypto module against doc/crypto-format.md.
 *
 * Every sealing test runs over both ciphers the machine supports
 * (tu_ciphers). Key files are written by the test itself so their bytes
 * are known; all data is synthetic.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

#include "testutil.h"

#include "crypto.h"
#include "ferr.h"
#include "secret.h"

#define HDR 12
#define TAG 16

static char *tmpdir;

static int
group_setup(void **state)
{
	(void)state;
	tu_init();
	if ((tmpdir = tu_mkdtemp()) == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	tu_rmtree(tmpdir);
	free(tmpdir);
	return 0;
}

static size_t
nonce_len(enum fulfil_cipher c)
{
	return c == FULFIL_CIPHER_AES256GCM ? 12 : 24;
}

static unsigned
alg_id(enum fulfil_cipher c)
{
	return c == FULFIL_CIPHER_AES256GCM ? 1 : 2;
}

/* A fresh unique path in tmpdir; caller frees. */
static char *
tmp_path(const char *what)
{
	static unsigned n;
	char name[96];

	snprintf(name, sizeof name, "%s.%u", what, n++);
	return tu_path(tmpdir, name);
}

static void
key_b64(const unsigned char *key, size_t len, char *out, size_t outsz)
{
	assert_non_null(sodium_bin2base64(
	    out, outsz, key, len, sodium_base64_VARIANT_ORIGINAL));
}

/* Write a key file "fulfil-kek-1 EPOCH B64\n" with mode; caller frees. */
static char *
write_key(const unsigned char key[32], uint32_t epoch, int mode)
{
	char b64[64], line[128];
	char *path = tmp_path("kek");
	int n;

	key_b64(key, 32, b64, sizeof b64);
	n = snprintf(line, sizeof line, "fulfil-kek-1 %lu %s\n",
	    (unsigned long)epoch, b64);
	assert_true(n > 0 && (size_t)n < sizeof line);
	assert_int_equal(tu_write_file(path, line, (size_t)n, mode), 0);
	return path;
}

static struct kek *
load_ok(const char *spec)
{
	struct kek *k = NULL;
	struct ferr err;

	ferr_clear(&err);
	if (crypto_kek_load(spec, &k, &err) != 0)
		fail_msg("crypto_kek_load(%s): %s", spec, err.msg);
	assert_non_null(k);
	return k;
}

static struct kek *
fresh_kek(uint32_t epoch, unsigned char key[32])
{
	unsigned char local[32];
	struct kek *k;
	char *path;

	if (key == NULL)
		key = local;
	randombytes_buf(key, 32);
	path = write_key(key, epoch, 0400);
	k = load_ok(path);
	free(path);
	return k;
}

static unsigned char *
seal_new(enum fulfil_cipher c, const unsigned char *key, uint32_t epoch,
    enum crypto_kind kind, const char *id, const unsigned char *pt,
    size_t ptlen, size_t *outlen)
{
	unsigned char *out = malloc(ptlen + CRYPTO_SEAL_OVERHEAD);
	struct ferr err;

	assert_non_null(out);
	ferr_clear(&err);
	if (crypto_seal(
	        c, key, epoch, kind, id, pt, ptlen, out, outlen, &err) != 0)
		fail_msg("crypto_seal: %s", err.msg);
	return out;
}

/* ---- ciphers ---------------------------------------------------------- */

static void
test_cipher_names(void **state)
{
	static const struct {
		const char *s;
		int code;
		enum fulfil_cipher c;
	} cases[] = {
	    {"auto", 0, FULFIL_CIPHER_AUTO},
	    {"aes256gcm", 0, FULFIL_CIPHER_AES256GCM},
	    {"xchacha20poly1305", 0, FULFIL_CIPHER_XCHACHA20POLY1305},
	    {"AES256GCM", FULFIL_EINVAL, 0},
	    {"aes", FULFIL_EINVAL, 0},
	    {"aes256gcm ", FULFIL_EINVAL, 0},
	    {"chacha20poly1305", FULFIL_EINVAL, 0},
	    {"", FULFIL_EINVAL, 0},
	};
	enum fulfil_cipher c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = (enum fulfil_cipher)99;
		assert_int_equal(
		    crypto_cipher_parse(cases[i].s, &c), cases[i].code);
		if (cases[i].code == 0) {
			assert_int_equal(c, cases[i].c);
			assert_string_equal(crypto_cipher_name(c), cases[i].s);
		}
	}
	assert_int_equal(crypto_cipher_parse(NULL, &c), FULFIL_EINVAL);
	assert_string_equal(
	    crypto_cipher_name((enum fulfil_cipher)42), "unknown");
}

static void
test_cipher_resolve(void **state)
{
	enum fulfil_cipher c;
	struct ferr err;
	int have_aes = crypto_aead_aes256gcm_is_available();

	(void)state;
	assert_int_equal(
	    crypto_cipher_resolve(FULFIL_CIPHER_AUTO, &c, NULL), 0);
	assert_int_equal(c, have_aes ? FULFIL_CIPHER_AES256GCM
	                             : FULFIL_CIPHER_XCHACHA20POLY1305);
	assert_int_equal(
	    crypto_cipher_resolve(FULFIL_CIPHER_XCHACHA20POLY1305, &c, NULL),
	    0);
	assert_int_equal(c, FULFIL_CIPHER_XCHACHA20POLY1305);
	ferr_clear(&err);
	if (have_aes) {
		assert_int_equal(
		    crypto_cipher_resolve(FULFIL_CIPHER_AES256GCM, &c, &err),
		    0);
		assert_int_equal(c, FULFIL_CIPHER_AES256GCM);
	} else {
		assert_int_equal(
		    crypto_cipher_resolve(FULFIL_CIPHER_AES256GCM, &c, &err),
		    FULFIL_ECONFIG);
		assert_non_null(strstr(err.msg, "aes256gcm"));
		assert_non_null(strstr(err.msg, "xchacha20poly1305"));
	}
	assert_int_equal(crypto_cipher_resolve((enum fulfil_cipher)7, &c, &err),
	    FULFIL_EINVAL);
}

/* ---- sealed values ---------------------------------------------------- */

static void
test_roundtrip(void **state)
{
	static const size_t sizes[] = {0, 1, 1024, 1024 * 1024, 3, 0};
	enum fulfil_cipher cs[2];
	unsigned char key[32];
	struct secret *pt;
	struct ferr err;
	size_t nc, i, j, outlen;

	(void)state;
	nc = tu_ciphers(cs);
	assert_non_null(pt = secret_new(0));
	for (i = 0; i < nc; i++) {
		randombytes_buf(key, sizeof key);
		for (j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
			unsigned char *in = malloc(sizes[j] + 1), *out;

			assert_non_null(in);
			randombytes_buf(in, sizes[j]);
			out = seal_new(cs[i], key, 1, CRYPTO_KIND_ORDER,
			    "ORD-1001", in, sizes[j], &outlen);
			assert_int_equal(
			    outlen, sizes[j] + HDR + nonce_len(cs[i]) + TAG);
			assert_true(outlen <= sizes[j] + CRYPTO_SEAL_OVERHEAD);
			ferr_clear(&err);
			if (crypto_open(key, CRYPTO_KIND_ORDER, "ORD-1001", out,
			        outlen, pt, &err) != 0)
				fail_msg("open %s size %zu: %s",
				    crypto_cipher_name(cs[i]), sizes[j],
				    err.msg);
			assert_int_equal(pt->len, sizes[j]);
			assert_true(sizes[j] == 0 ||
			            memcmp(pt->data, in, sizes[j]) == 0);
			free(out);
			free(in);
		}
	}
	secret_free(pt);
}

/* The layout and associated data exactly as doc/crypto-format.md says. */
static void
test_layout(void **state)
{
	static const char id[] = "ORD-\xc3\xa9-42";
	static const unsigned char msg[] = "synthetic order blob";
	enum fulfil_cipher cs[2], got;
	unsigned char key[32], ad[HDR + 4 + sizeof id], back[sizeof msg];
	unsigned char *a, *b;
	unsigned long long mlen;
	uint32_t epoch;
	size_t nc, i, alen, blen, idlen = sizeof id - 1, np;
	int rc;

	(void)state;
	nc = tu_ciphers(cs);
	for (i = 0; i < nc; i++) {
		randombytes_buf(key, sizeof key);
		a = seal_new(cs[i], key, 0xA1B2C3D4u, CRYPTO_KIND_ORDER, id,
		    msg, sizeof msg, &alen);
		b = seal_new(cs[i], key, 0xA1B2C3D4u, CRYPTO_KIND_ORDER, id,
		    msg, sizeof msg, &blen);
		np = nonce_len(cs[i]);
		assert_memory_equal(a, "FULS", 4);
		assert_int_equal(a[4], 1);
		assert_int_equal(a[5], alg_id(cs[i]));
		assert_int_equal(a[6], CRYPTO_KIND_ORDER);
		assert_int_equal(a[7], 0);
		assert_int_equal(a[8], 0xD4);
		assert_int_equal(a[9], 0xC3);
		assert_int_equal(a[10], 0xB2);
		assert_int_equal(a[11], 0xA1);
		/* Random nonces: the same input seals differently. */
		assert_int_equal(alen, blen);
		assert_memory_not_equal(a + HDR, b + HDR, np);
		assert_memory_not_equal(
		    a + HDR + np, b + HDR + np, alen - HDR - np);

		assert_int_equal(crypto_sealed_info(a, alen, &got, &epoch), 0);
		assert_int_equal(got, cs[i]);
		assert_int_equal(epoch, 0xA1B2C3D4u);

		/* AD = header || uint32 LE len(id) || id: decrypt by hand. */
		memcpy(ad, a, HDR);
		ad[HDR] = (unsigned char)idlen;
		ad[HDR + 1] = ad[HDR + 2] = ad[HDR + 3] = 0;
		memcpy(ad + HDR + 4, id, idlen);
		if (cs[i] == FULFIL_CIPHER_AES256GCM)
			rc = crypto_aead_aes256gcm_decrypt(back, &mlen, NULL,
			    a + HDR + np, alen - HDR - np, ad, HDR + 4 + idlen,
			    a + HDR, key);
		else
			rc = crypto_aead_xchacha20poly1305_ietf_decrypt(back,
			    &mlen, NULL, a + HDR + np, alen - HDR - np, ad,
			    HDR + 4 + idlen, a + HDR, key);
		assert_int_equal(rc, 0);
		assert_int_equal(mlen, sizeof msg);
		assert_memory_equal(back, msg, sizeof msg);
		free(a);
		free(b);
	}
}

/* Flip every byte of a sealed value: never opens, always a clean error. */
static void
test_byte_flips(void **state)
{
	static const size_t sizes[] = {17, 1024};
	static const unsigned char masks[] = {0x01, 0x80, 0xff};
	enum fulfil_cipher cs[2];
	unsigned char key[32], *in, *out;
	struct secret *pt;
	struct ferr err;
	size_t nc, i, j, pos, m, outlen, ncrypto, ninval;
	int r;

	(void)state;
	nc = tu_ciphers(cs);
	assert_non_null(pt = secret_new(0));
	for (i = 0; i < nc; i++) {
		for (j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
			randombytes_buf(key, sizeof key);
			assert_non_null(in = malloc(sizes[j]));
			randombytes_buf(in, sizes[j]);
			out = seal_new(cs[i], key, 3, CRYPTO_KIND_ORDER, "A-1",
			    in, sizes[j], &outlen);
			ncrypto = ninval = 0;
			for (pos = 0; pos < outlen; pos++) {
				for (m = 0; m < sizeof masks; m++) {
					out[pos] ^= masks[m];
					ferr_clear(&err);
					r = crypto_open(key, CRYPTO_KIND_ORDER,
					    "A-1", out, outlen, pt, &err);
					out[pos] ^= masks[m];
					if (r != FULFIL_ECRYPTO &&
					    r != FULFIL_EINVAL)
						fail_msg(
						    "%s: flip 0x%02x at %zu "
						    "gave %d",
						    crypto_cipher_name(cs[i]),
						    masks[m], pos, r);
					assert_int_equal(err.code, r);
					assert_int_equal(pt->len, 0);
					if (r == FULFIL_ECRYPTO)
						ncrypto++;
					else
						ninval++;
				}
			}
			/* Both paths were exercised: header and body. */
			assert_true(ncrypto > 0 && ninval > 0);
			/* Untouched, it still opens. */
			assert_int_equal(crypto_open(key, CRYPTO_KIND_ORDER,
			                     "A-1", out, outlen, pt, NULL),
			    0);
			assert_memory_equal(pt->data, in, sizes[j]);
			free(out);
			free(in);
		}
	}
	secret_free(pt);
}

/* Another id, kind or key: authentication fails with a clear message. */
static void
test_wrong_binding(void **state)
{
	static const unsigned char msg[] = "synthetic: Testa Person";
	static const struct {
		enum crypto_kind kind;
		const char *id;
		int otherkey;
		const char *needle;
	} cases[] = {
	    {CRYPTO_KIND_ORDER, "ORD-2", 0, "tampered"},
	    {CRYPTO_KIND_ORDER, "ORD-10", 0, "tampered"},
	    {CRYPTO_KIND_ORDER, "ORD-", 0, "tampered"},
	    {CRYPTO_KIND_ORDER, "", 0, "tampered"},
	    {CRYPTO_KIND_ORDER, "ord-1", 0, "tampered"},
	    {CRYPTO_KIND_DEK, "ORD-1", 0, "wrapped data key"},
	    {CRYPTO_KIND_STATION, "ORD-1", 0, "station secret"},
	    {CRYPTO_KIND_ORDER, "ORD-1", 1, "key is wrong"},
	};
	enum fulfil_cipher cs[2];
	unsigned char key[32], other[32], *out;
	struct secret *pt;
	struct ferr err;
	size_t nc, i, j, outlen;

	(void)state;
	nc = tu_ciphers(cs);
	assert_non_null(pt = secret_new(0));
	for (i = 0; i < nc; i++) {
		randombytes_buf(key, sizeof key);
		randombytes_buf(other, sizeof other);
		out = seal_new(cs[i], key, 1, CRYPTO_KIND_ORDER, "ORD-1", msg,
		    sizeof msg, &outlen);
		for (j = 0; j < sizeof cases / sizeof cases[0]; j++) {
			ferr_clear(&err);
			assert_int_equal(
			    crypto_open(cases[j].otherkey ? other : key,
			        cases[j].kind, cases[j].id, out, outlen, pt,
			        &err),
			    FULFIL_ECRYPTO);
			if (strstr(err.msg, cases[j].needle) == NULL)
				fail_msg("case %zu: message \"%s\" lacks "
				         "\"%s\"",
				    j, err.msg, cases[j].needle);
			assert_null(strstr(err.msg, "Testa"));
			assert_int_equal(pt->len, 0);
		}
		free(out);
	}
	secret_free(pt);
}

static void
test_truncated(void **state)
{
	static const unsigned char msg[] = "0123456789abcdef0123456789";
	enum fulfil_cipher cs[2];
	unsigned char key[32], *out, *longer;
	struct secret *pt;
	size_t nc, i, n, outlen, minlen;
	int r;

	(void)state;
	nc = tu_ciphers(cs);
	assert_non_null(pt = secret_new(0));
	for (i = 0; i < nc; i++) {
		randombytes_buf(key, sizeof key);
		out = seal_new(cs[i], key, 1, CRYPTO_KIND_ORDER, "T", msg,
		    sizeof msg, &outlen);
		minlen = HDR + nonce_len(cs[i]) + TAG;
		for (n = 0; n < outlen; n++) {
			r = crypto_open(
			    key, CRYPTO_KIND_ORDER, "T", out, n, pt, NULL);
			assert_int_equal(
			    r, n < minlen ? FULFIL_EINVAL : FULFIL_ECRYPTO);
			assert_int_equal(crypto_sealed_info(out, n, NULL, NULL),
			    n < minlen ? FULFIL_EINVAL : 0);
		}
		/* An extra byte at the end is tampering too. */
		assert_non_null(longer = malloc(outlen + 1));
		memcpy(longer, out, outlen);
		longer[outlen] = 0;
		assert_int_equal(crypto_open(key, CRYPTO_KIND_ORDER, "T",
		                     longer, outlen + 1, pt, NULL),
		    FULFIL_ECRYPTO);
		assert_int_equal(
		    crypto_open(key, CRYPTO_KIND_ORDER, "T", NULL, 0, pt, NULL),
		    FULFIL_EINVAL);
		free(longer);
		free(out);
	}
	secret_free(pt);
}

/* Unknown header values are FULFIL_EINVAL, for open and for info. */
static void
test_header_fields(void **state)
{
	static const struct {
		size_t off;
		unsigned char val;
		const char *needle;
	} cases[] = {
	    {0, 'X', "magic"},
	    {3, 's', "magic"},
	    {4, 0, "version 0"},
	    {4, 2, "version 2"},
	    {4, 255, "version 255"},
	    {5, 0, "algorithm 0"},
	    {5, 3, "algorithm 3"},
	    {5, 255, "algorithm 255"},
	    {6, 0, "kind 0"},
	    {6, 4, "kind 4"},
	    {7, 1, "flags"},
	};
	static const unsigned char msg[] = "hdr";
	enum fulfil_cipher cs[2];
	unsigned char key[32], *out, save;
	struct secret *pt;
	struct ferr err;
	size_t nc, i, j, outlen;

	(void)state;
	nc = tu_ciphers(cs);
	assert_non_null(pt = secret_new(0));
	for (i = 0; i < nc; i++) {
		randombytes_buf(key, sizeof key);
		out = seal_new(cs[i], key, 9, CRYPTO_KIND_ORDER, "H", msg,
		    sizeof msg, &outlen);
		for (j = 0; j < sizeof cases / sizeof cases[0]; j++) {
			save = out[cases[j].off];
			out[cases[j].off] = cases[j].val;
			ferr_clear(&err);
			assert_int_equal(crypto_open(key, CRYPTO_KIND_ORDER,
			                     "H", out, outlen, pt, &err),
			    FULFIL_EINVAL);
			if (strstr(err.msg, cases[j].needle) == NULL)
				fail_msg("case %zu: message \"%s\" lacks "
				         "\"%s\"",
				    j, err.msg, cases[j].needle);
			assert_int_equal(
			    crypto_sealed_info(out, outlen, NULL, NULL),
			    FULFIL_EINVAL);
			out[cases[j].off] = save;
		}
		/* The other (valid) algorithm id: must not open. */
		out[5] = (unsigned char)(alg_id(cs[i]) == 1 ? 2 : 1);
		assert_int_not_equal(crypto_open(key, CRYPTO_KIND_ORDER, "H",
		                         out, outlen, pt, NULL),
		    0);
		assert_int_equal(pt->len, 0);
		/* The epoch is authenticated too. */
		out[5] = (unsigned char)alg_id(cs[i]);
		out[8] ^= 1;
		assert_int_equal(crypto_open(key, CRYPTO_KIND_ORDER, "H", out,
		                     outlen, pt, NULL),
		    FULFIL_ECRYPTO);
		free(out);
	}
	secret_free(pt);
}

/* Neither the plaintext (any 8-byte window) nor the id is in the output. */
static void
test_no_plaintext(void **state)
{
	static const char person[] =
	    "{\"name\":\"Zelda Q. Testperson\",\"line1\":\"17 Synthetic "
	    "Lane\",\"city\":\"Exampleton\",\"phone\":\"+44 20 7946 0999\","
	    "\"email\":\"zelda@example.invalid\",\"gift\":\"Happy birthday, "
	    "from the test suite\"}";
	static const char id[] = "ORD-PLAINTEXT-CHECK";
	enum fulfil_cipher cs[2];
	unsigned char key[32], *out;
	size_t nc, i, k, outlen, len = sizeof person - 1;

	(void)state;
	nc = tu_ciphers(cs);
	for (i = 0; i < nc; i++) {
		randombytes_buf(key, sizeof key);
		out = seal_new(cs[i], key, 1, CRYPTO_KIND_ORDER, id,
		    (const unsigned char *)person, len, &outlen);
		for (k = 0; k + 8 <= len; k++)
			assert_null(memmem(out, outlen, person + k, 8));
		assert_null(memmem(out, outlen, id, strlen(id)));
		free(out);
	}
}

static void
test_seal_args(void **state)
{
	char id[CRYPTO_ID_MAX + 2];
	unsigned char key[32], out[64 + CRYPTO_SEAL_OVERHEAD];
	struct secret *pt;
	struct ferr err;
	size_t outlen;

	(void)state;
	randombytes_buf(key, sizeof key);
	assert_non_null(pt = secret_new(0));
	assert_int_equal(
	    crypto_seal(FULFIL_CIPHER_AUTO, key, 1, CRYPTO_KIND_ORDER, "X", key,
	        8, out, &outlen, &err),
	    FULFIL_EINVAL);
	assert_int_equal(
	    crypto_seal(FULFIL_CIPHER_XCHACHA20POLY1305, key, 1,
	        (enum crypto_kind)9, "X", key, 8, out, &outlen, &err),
	    FULFIL_EINVAL);
	assert_int_equal(
	    crypto_seal(FULFIL_CIPHER_XCHACHA20POLY1305, key, 1,
	        CRYPTO_KIND_ORDER, NULL, key, 8, out, &outlen, &err),
	    FULFIL_EINVAL);
	memset(id, 'i', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	assert_int_equal(crypto_seal(FULFIL_CIPHER_XCHACHA20POLY1305, key, 1,
	                     CRYPTO_KIND_ORDER, id, key, 8, out, &outlen, &err),
	    FULFIL_EINVAL);
	id[CRYPTO_ID_MAX] = '\0';
	assert_int_equal(crypto_seal(FULFIL_CIPHER_XCHACHA20POLY1305, key, 1,
	                     CRYPTO_KIND_ORDER, id, key, 8, out, &outlen, &err),
	    0);
	assert_int_equal(
	    crypto_open(key, CRYPTO_KIND_ORDER, id, out, outlen, pt, &err), 0);
	assert_int_equal(pt->len, 8);
	id[CRYPTO_ID_MAX - 1] = '\0';
	assert_int_equal(
	    crypto_open(key, CRYPTO_KIND_ORDER, id, out, outlen, pt, &err),
	    FULFIL_ECRYPTO);
	secret_free(pt);
}

/* ---- data keys and the KEK -------------------------------------------- */

static void
test_dek_wrap(void **state)
{
	enum fulfil_cipher cs[2], got;
	unsigned char kekbytes[32], w[CRYPTO_WRAPPED_DEK_MAX];
	struct secret *dek, *dek2, *back;
	struct kek *k, *k_same_epoch, *k_other_epoch;
	struct ferr err;
	uint32_t epoch;
	size_t nc, i, wlen;

	(void)state;
	nc = tu_ciphers(cs);
	k = fresh_kek(41, kekbytes);
	k_same_epoch = fresh_kek(41, NULL);
	k_other_epoch = fresh_kek(42, NULL);
	assert_int_equal(crypto_kek_epoch(k), 41);
	assert_non_null(dek = secret_new(0));
	assert_non_null(dek2 = secret_new(0));
	assert_non_null(back = secret_new(0));
	assert_int_equal(crypto_dek_generate(dek, &err), 0);
	assert_int_equal(crypto_dek_generate(dek2, &err), 0);
	assert_int_equal(dek->len, CRYPTO_KEY_BYTES);
	assert_int_equal(dek2->len, CRYPTO_KEY_BYTES);
	assert_memory_not_equal(dek->data, dek2->data, CRYPTO_KEY_BYTES);

	for (i = 0; i < nc; i++) {
		ferr_clear(&err);
		assert_int_equal(
		    crypto_dek_wrap(k, cs[i], dek, "ORD-A", w, &wlen, &err), 0);
		assert_true(wlen <= CRYPTO_WRAPPED_DEK_MAX);
		assert_int_equal(w[6], CRYPTO_KIND_DEK);
		assert_int_equal(crypto_sealed_info(w, wlen, &got, &epoch), 0);
		assert_int_equal(got, cs[i]);
		assert_int_equal(epoch, 41);
		assert_null(memmem(w, wlen, dek->data, 8));

		assert_int_equal(
		    crypto_dek_unwrap(k, "ORD-A", w, wlen, back, &err), 0);
		assert_int_equal(back->len, CRYPTO_KEY_BYTES);
		assert_memory_equal(back->data, dek->data, CRYPTO_KEY_BYTES);

		/* Same bytes as crypto_seal with the raw KEK (AES state path).
		 */
		assert_int_equal(crypto_open(kekbytes, CRYPTO_KIND_DEK, "ORD-A",
		                     w, wlen, back, &err),
		    0);
		assert_memory_equal(back->data, dek->data, CRYPTO_KEY_BYTES);

		/* Wrapped for order A: not a DEK for order B. */
		ferr_clear(&err);
		assert_int_equal(
		    crypto_dek_unwrap(k, "ORD-B", w, wlen, back, &err),
		    FULFIL_ECRYPTO);
		assert_non_null(strstr(err.msg, "tampered"));
		assert_int_equal(back->len, 0);
		/* Not a station secret either. */
		assert_int_equal(
		    crypto_kek_open(k, "ORD-A", w, wlen, back, &err),
		    FULFIL_ECRYPTO);
		/* Another KEK of the same epoch. */
		assert_int_equal(crypto_dek_unwrap(k_same_epoch, "ORD-A", w,
		                     wlen, back, &err),
		    FULFIL_ECRYPTO);
		assert_non_null(strstr(err.msg, "key is wrong"));
		/* A KEK of another epoch: the message says which. */
		ferr_clear(&err);
		assert_int_equal(crypto_dek_unwrap(k_other_epoch, "ORD-A", w,
		                     wlen, back, &err),
		    FULFIL_ECRYPTO);
		assert_non_null(strstr(err.msg, "epoch 41"));
		assert_non_null(strstr(err.msg, "epoch 42"));
		/* A tampered wrapped key. */
		w[wlen - 1] ^= 0x20;
		assert_int_equal(
		    crypto_dek_unwrap(k, "ORD-A", w, wlen, back, &err),
		    FULFIL_ECRYPTO);
	}

	/* Wrong inputs. */
	dek2->len = 16;
	assert_int_equal(
	    crypto_dek_wrap(k, cs[0], dek2, "ORD-A", w, &wlen, &err),
	    FULFIL_EINVAL);
	assert_int_equal(crypto_dek_wrap(k, FULFIL_CIPHER_AUTO, dek, "ORD-A", w,
	                     &wlen, &err),
	    FULFIL_EINVAL);
	/* A 16-byte station secret under the KEK is not a DEK. */
	assert_int_equal(
	    crypto_kek_seal(k, cs[0], "ORD-A", dek->data, 16, w, &wlen, &err),
	    0);
	assert_int_equal(
	    crypto_dek_unwrap(k, "ORD-A", w, wlen, back, &err), FULFIL_ECRYPTO);

	secret_free(dek);
	secret_free(dek2);
	secret_free(back);
	crypto_kek_free(k);
	crypto_kek_free(k_same_epoch);
	crypto_kek_free(k_other_epoch);
}

static void
test_kek_seal(void **state)
{
	static const size_t sizes[] = {0, 32, 64, 4000};
	enum fulfil_cipher cs[2];
	unsigned char *in, *out;
	struct secret *pt;
	struct kek *k;
	struct ferr err;
	size_t nc, i, j, outlen;

	(void)state;
	nc = tu_ciphers(cs);
	k = fresh_kek(5, NULL);
	assert_non_null(pt = secret_new(0));
	for (i = 0; i < nc; i++) {
		for (j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
			assert_non_null(in = malloc(sizes[j] + 1));
			assert_non_null(
			    out = malloc(sizes[j] + CRYPTO_SEAL_OVERHEAD));
			randombytes_buf(in, sizes[j]);
			ferr_clear(&err);
			assert_int_equal(
			    crypto_kek_seal(k, cs[i], "station-signing-key", in,
			        sizes[j], out, &outlen, &err),
			    0);
			assert_int_equal(out[6], CRYPTO_KIND_STATION);
			assert_int_equal(
			    crypto_kek_open(k, "station-signing-key", out,
			        outlen, pt, &err),
			    0);
			assert_int_equal(pt->len, sizes[j]);
			assert_true(sizes[j] == 0 ||
			            memcmp(pt->data, in, sizes[j]) == 0);
			assert_int_equal(crypto_kek_open(k, "station-other",
			                     out, outlen, pt, &err),
			    FULFIL_ECRYPTO);
			free(in);
			free(out);
		}
	}
	secret_free(pt);
	crypto_kek_free(k);
}

/* ---- key files -------------------------------------------------------- */

static void
test_kek_create(void **state)
{
	char *path = tmp_path("created"), *path2 = tmp_path("created");
	char *link = tmp_path("link"), *target = tmp_path("target");
	char *missing, *text, fpr[65], fpr2[65], fpr3[65];
	struct kek *k, *k2, *k3;
	struct stat sb;
	struct ferr err;
	size_t len, i;

	(void)state;
	ferr_clear(&err);
	if (crypto_kek_create(path, 7, &err) != 0)
		fail_msg("create: %s", err.msg);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0400);
	assert_non_null(text = tu_read_file(path, &len));
	assert_int_equal(len, strlen("fulfil-kek-1 7 ") + 44 + 1);
	assert_memory_equal(text, "fulfil-kek-1 7 ", 15);
	assert_int_equal(text[len - 1], '\n');
	assert_int_equal(text[len - 2], '=');
	free(text);

	k = load_ok(path);
	assert_int_equal(crypto_kek_epoch(k), 7);
	crypto_kek_fingerprint(k, fpr);
	assert_int_equal(strlen(fpr), 64);
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", fpr[i]));
	/* Stable across loads. */
	k3 = load_ok(path);
	crypto_kek_fingerprint(k3, fpr3);
	assert_string_equal(fpr, fpr3);

	/* Never overwrites. */
	ferr_clear(&err);
	assert_int_equal(crypto_kek_create(path, 8, &err), FULFIL_EEXIST);
	assert_non_null(strstr(err.msg, path));
	/* Not even through a symlink (dangling or not). */
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(crypto_kek_create(link, 1, &err), FULFIL_EEXIST);
	assert_int_equal(lstat(target, &sb), -1);

	/* A second key differs. */
	assert_int_equal(crypto_kek_create(path2, UINT32_MAX, &err), 0);
	k2 = load_ok(path2);
	assert_int_equal(crypto_kek_epoch(k2), UINT32_MAX);
	crypto_kek_fingerprint(k2, fpr2);
	assert_string_not_equal(fpr, fpr2);

	/* Bad places. */
	assert_int_equal(
	    crypto_kek_create("relative.key", 1, &err), FULFIL_EINVAL);
	assert_int_equal(
	    crypto_kek_create("credential:kek", 1, &err), FULFIL_EINVAL);
	missing = tu_path(tmpdir, "no-such-dir/kek");
	assert_int_equal(crypto_kek_create(missing, 1, &err), FULFIL_ENOTFOUND);

	crypto_kek_free(k);
	crypto_kek_free(k2);
	crypto_kek_free(k3);
	free(path);
	free(path2);
	free(link);
	free(target);
	free(missing);
}

static void
test_kek_fingerprint(void **state)
{
	static const char ctx[] = "fulfil kek fingerprint v1";
	unsigned char key[32], h[32];
	char want[65], got[65], keyhex[65];
	crypto_generichash_state st;
	struct kek *k;

	(void)state;
	k = fresh_kek(1, key);
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(
	    &st, (const unsigned char *)ctx, sizeof ctx - 1);
	crypto_generichash_update(&st, key, sizeof key);
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(want, sizeof want, h, sizeof h);
	crypto_kek_fingerprint(k, got);
	assert_string_equal(got, want);
	sodium_bin2hex(keyhex, sizeof keyhex, key, sizeof key);
	assert_string_not_equal(got, keyhex);
	crypto_kek_free(k);
}

static void
test_key_modes(void **state)
{
	static const struct {
		int mode;
		int code;
		const char *shown;
	} cases[] = {
	    {0644, FULFIL_EPERM, "0644"},
	    {0640, FULFIL_EPERM, "0640"},
	    {0604, FULFIL_EPERM, "0604"},
	    {0460, FULFIL_EPERM, "0460"},
	    {0440, FULFIL_EPERM, "0440"},
	    {0404, FULFIL_EPERM, "0404"},
	    {0401, FULFIL_EPERM, "0401"},
	    {0410, FULFIL_EPERM, "0410"},
	    {0600, 0, NULL},
	    {0400, 0, NULL},
	    {0700, 0, NULL},
	};
	unsigned char key[32];
	struct kek *k;
	struct ferr err;
	char *path;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		randombytes_buf(key, sizeof key);
		path = write_key(key, 1, cases[i].mode);
		k = NULL;
		ferr_clear(&err);
		r = crypto_kek_load(path, &k, &err);
		if (r != cases[i].code)
			fail_msg("mode %04o: got %d (%s), want %d",
			    cases[i].mode, r, err.msg, cases[i].code);
		if (r == 0) {
			assert_non_null(k);
		} else {
			assert_null(k);
			assert_non_null(strstr(err.msg, path));
			assert_non_null(strstr(err.msg, cases[i].shown));
			assert_non_null(strstr(err.msg, "chmod 400"));
		}
		crypto_kek_free(k);
		free(path);
	}
}

static void
test_key_file_kinds(void **state)
{
	unsigned char key[32];
	struct kek *k = NULL;
	struct ferr err;
	char *real, *link, *dir, *fifo, *missing;

	(void)state;
	randombytes_buf(key, sizeof key);
	real = write_key(key, 1, 0400);

	link = tmp_path("symlink");
	assert_int_equal(symlink(real, link), 0);
	ferr_clear(&err);
	assert_int_equal(crypto_kek_load(link, &k, &err), FULFIL_EPERM);
	assert_non_null(strstr(err.msg, "symbolic link"));

	dir = tmp_path("dir");
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(crypto_kek_load(dir, &k, &err), FULFIL_EPERM);
	assert_non_null(strstr(err.msg, "regular file"));

	fifo = tmp_path("fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(crypto_kek_load(fifo, &k, &err), FULFIL_EPERM);

	missing = tmp_path("missing");
	assert_int_equal(crypto_kek_load(missing, &k, &err), FULFIL_ENOTFOUND);
	assert_non_null(strstr(err.msg, missing));

	assert_int_equal(
	    crypto_kek_load("relative/kek", &k, &err), FULFIL_ECONFIG);
	assert_int_equal(crypto_kek_load("", &k, &err), FULFIL_ECONFIG);
	assert_int_equal(crypto_kek_load(NULL, &k, &err), FULFIL_ECONFIG);
	assert_null(k);

	/* Owned by someone else (only root can set that up). */
	if (geteuid() == 0) {
		assert_int_equal(chown(real, 65534, 65534), 0);
		ferr_clear(&err);
		assert_int_equal(crypto_kek_load(real, &k, &err), FULFIL_EPERM);
		assert_non_null(strstr(err.msg, "65534"));
		assert_int_equal(chown(real, 0, 0), 0);
	}
	k = load_ok(real);
	crypto_kek_free(k);

	free(real);
	free(link);
	free(dir);
	free(fifo);
	free(missing);
}

/* Replace @K @Z @P @S @L @T by keys encoded in base64. */
static char *
expand(const char *tmpl, const char *const subst[256])
{
	char *out = malloc(4096), *o = out;
	const char *p;

	assert_non_null(out);
	for (p = tmpl; *p != '\0'; p++) {
		if (p[0] == '@' && p[1] != '\0' &&
		    subst[(unsigned char)p[1]] != NULL) {
			const char *s = subst[(unsigned char)p[1]];

			memcpy(o, s, strlen(s));
			o += strlen(s);
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

static void
test_key_content(void **state)
{
	static const struct {
		const char *tmpl;
		int code;
		uint32_t epoch;
	} cases[] = {
	    {"fulfil-kek-1 1 @K\n", 0, 1},
	    {"fulfil-kek-1 1 @K", 0, 1},
	    {"fulfil-kek-1 0 @K\n", 0, 0},
	    {"fulfil-kek-1 4294967295 @K\n", 0, 4294967295u},
	    {"", FULFIL_EKEY, 0},
	    {"\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-2 1 @K\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1 @K\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1 4294967296 @K\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1 01 @K\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1 -1 @K\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1 +1 @K\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1  1 @K\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1 1  @K\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1 1 @K \n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1 1 @K\r\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1 1 @K\n\n", FULFIL_EKEY, 0},
	    {" fulfil-kek-1 1 @K\n", FULFIL_EKEY, 0},
	    {"FULFIL-KEK-1 1 @K\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1\t1 @K\n", FULFIL_EKEY, 0},
	    {"fulfil-kek-1 1 @T\n", FULFIL_EKEY, 0},   /* too short */
	    {"fulfil-kek-1 1 @K@K\n", FULFIL_EKEY, 0}, /* too long */
	    {"fulfil-kek-1 1 @S\n", FULFIL_EKEY, 0},   /* 31 bytes */
	    {"fulfil-kek-1 1 @L\n", FULFIL_EKEY, 0},   /* 33 bytes */
	    {"fulfil-kek-1 1 @N\n", FULFIL_EKEY, 0},   /* non-canonical */
	    {"fulfil-kek-1 1 @Z\n", FULFIL_EKEY, 0},   /* all zero */
	    {"fulfil-kek-1 1 @P\n", FULFIL_EKEY, 0},   /* pattern */
	    {"fulfil-kek-1 1 @F\n", FULFIL_EKEY, 0},   /* 15 values */
	    {"fulfil-kek-1 1 @X\n", FULFIL_EKEY, 0},   /* hex */
	    {"fulfil-kek-1 1 "
	     "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=\n",
	        FULFIL_EKEY, 0},
	    {"fulfil-kek-1 1 @U\n", FULFIL_EKEY, 0}, /* url-safe */
	    {"@K\n", FULFIL_EKEY, 0},
	};
	const char *subst[256] = {0};
	unsigned char key[32], zero[32], pat[32], sixteen[32], fifteen[32];
	unsigned char k31[31], k33[33], urlkey[32];
	char bk[64], bz[64], bp[64], bs[64], bl[64], bt[64], bn[64], bf[64];
	char bx[80], bu[64], bsix[64], msgcopy[FERR_MSG_MAX];
	struct kek *k;
	struct ferr err;
	char *text, *path;
	size_t i, j;
	int r;

	(void)state;
	randombytes_buf(key, sizeof key);
	key_b64(key, 32, bk, sizeof bk);
	memset(zero, 0, sizeof zero);
	for (j = 0; j < 32; j++) {
		pat[j] = (unsigned char)(j % 8);
		sixteen[j] = (unsigned char)(0x40 + j % 16);
		fifteen[j] = (unsigned char)(0x40 + j % 15);
	}
	randombytes_buf(k31, sizeof k31);
	randombytes_buf(k33, sizeof k33);
	key_b64(zero, 32, bz, sizeof bz);
	key_b64(pat, 32, bp, sizeof bp);
	key_b64(fifteen, 32, bf, sizeof bf);
	key_b64(sixteen, 32, bsix, sizeof bsix);
	key_b64(k31, 31, bs, sizeof bs);
	key_b64(k33, 33, bl, sizeof bl);
	assert_int_equal(strlen(bs), 44);
	assert_int_equal(strlen(bl), 44);
	memcpy(bt, bk, 40);
	bt[40] = '\0';
	/*
	 * Char 42 carries the last 4 bits and 2 unused bits that must be
	 * zero: its value is a multiple of 4 (A E I ... w 0 4 8), and the
	 * next character in ASCII is the same value + 1.
	 */
	memcpy(bn, bk, sizeof bk);
	assert_non_null(strchr("AEIMQUYcgkosw048", bn[42]));
	bn[42] = (char)(bn[42] + 1);
	assert_int_equal(bn[43], '=');
	sodium_bin2hex(bx, sizeof bx, key, sizeof key);
	/* url-safe alphabet: force a '-' (62) into an otherwise good key. */
	memcpy(urlkey, key, 32);
	urlkey[0] = 0xf8; /* top six bits 62 */
	key_b64(urlkey, 32, bu, sizeof bu);
	assert_int_equal(bu[0], '+');
	bu[0] = '-';
	subst['K'] = bk;
	subst['Z'] = bz;
	subst['P'] = bp;
	subst['F'] = bf;
	subst['S'] = bs;
	subst['L'] = bl;
	subst['T'] = bt;
	subst['N'] = bn;
	subst['X'] = bx;
	subst['U'] = bu;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		text = expand(cases[i].tmpl, subst);
		path = tmp_path("content");
		assert_int_equal(
		    tu_write_file(path, text, strlen(text), 0400), 0);
		k = NULL;
		ferr_clear(&err);
		r = crypto_kek_load(path, &k, &err);
		if (r != cases[i].code)
			fail_msg("case %zu (%s): got %d (%s), want %d", i,
			    cases[i].tmpl, r, err.msg, cases[i].code);
		if (r == 0) {
			assert_int_equal(crypto_kek_epoch(k), cases[i].epoch);
		} else {
			assert_null(k);
			assert_non_null(strstr(err.msg, path));
			/* Never quotes the key text. */
			memcpy(msgcopy, err.msg, sizeof msgcopy);
			assert_null(strstr(msgcopy, bk));
			assert_null(strstr(msgcopy, bt));
		}
		crypto_kek_free(k);
		free(text);
		free(path);
	}

	/* 16 distinct values is the lowest accepted. */
	path = tmp_path("sixteen");
	text = malloc(128);
	assert_non_null(text);
	snprintf(text, 128, "fulfil-kek-1 3 %s\n", bsix);
	assert_int_equal(tu_write_file(path, text, strlen(text), 0400), 0);
	k = load_ok(path);
	crypto_kek_free(k);
	free(text);
	free(path);

	/* A binary file of 32 bytes, and oversized files. */
	{
		static const size_t bigs[] = {1025, 4096};
		char *big;

		path = tmp_path("raw");
		assert_int_equal(tu_write_file(path, key, 32, 0400), 0);
		assert_int_equal(crypto_kek_load(path, &k, &err), FULFIL_EKEY);
		free(path);
		for (j = 0; j < 2; j++) {
			assert_non_null(big = malloc(bigs[j]));
			memset(big, 'A', bigs[j]);
			path = tmp_path("big");
			assert_int_equal(
			    tu_write_file(path, big, bigs[j], 0400), 0);
			ferr_clear(&err);
			assert_int_equal(
			    crypto_kek_load(path, &k, &err), FULFIL_EKEY);
			assert_non_null(strstr(err.msg, "too large"));
			free(path);
			free(big);
		}
	}
}

static void
test_credentials(void **state)
{
	static const struct {
		const char *spec;
		int code;
	} bad[] = {
	    {"credential:", FULFIL_ECONFIG},
	    {"credential:a/b", FULFIL_ECONFIG},
	    {"credential:../kek", FULFIL_ECONFIG},
	    {"credential:/etc/kek", FULFIL_ECONFIG},
	    {"credential:..", FULFIL_ECONFIG},
	    {"credential:.", FULFIL_ECONFIG},
	    {"credential:na me", FULFIL_ECONFIG},
	    {"credential:k\xc3\xa9y", FULFIL_ECONFIG},
	    {"credential:missing.key", FULFIL_ENOTFOUND},
	};
	unsigned char key[32];
	char *credir, *path, *open_mode, fpr[65];
	const char *old = getenv("CREDENTIALS_DIRECTORY");
	char *saved = old != NULL ? strdup(old) : NULL;
	struct kek *k = NULL;
	struct ferr err;
	size_t i;

	(void)state;
	credir = tu_path(tmpdir, "creds");
	assert_int_equal(mkdir(credir, 0700), 0);
	randombytes_buf(key, sizeof key);
	{
		char b64[64], line[128];

		key_b64(key, 32, b64, sizeof b64);
		snprintf(line, sizeof line, "fulfil-kek-1 12 %s\n", b64);
		path = tu_path(credir, "fulfil.cache-key_1");
		assert_int_equal(
		    tu_write_file(path, line, strlen(line), 0400), 0);
		open_mode = tu_path(credir, "open");
		assert_int_equal(
		    tu_write_file(open_mode, line, strlen(line), 0644), 0);
	}

	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", credir, 1), 0);
	k = load_ok("credential:fulfil.cache-key_1");
	assert_int_equal(crypto_kek_epoch(k), 12);
	crypto_kek_fingerprint(k, fpr);
	crypto_kek_free(k);
	k = NULL;
	/* Same key through its path: same fingerprint. */
	{
		char fpr2[65];

		k = load_ok(path);
		crypto_kek_fingerprint(k, fpr2);
		assert_string_equal(fpr, fpr2);
		crypto_kek_free(k);
		k = NULL;
	}
	ferr_clear(&err);
	assert_int_equal(
	    crypto_kek_load("credential:open", &k, &err), FULFIL_EPERM);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = crypto_kek_load(bad[i].spec, &k, &err);

		if (r != bad[i].code)
			fail_msg(
			    "%s: got %d, want %d", bad[i].spec, r, bad[i].code);
		assert_null(k);
	}

	assert_int_equal(unsetenv("CREDENTIALS_DIRECTORY"), 0);
	ferr_clear(&err);
	assert_int_equal(
	    crypto_kek_load("credential:fulfil.cache-key_1", &k, &err),
	    FULFIL_ECONFIG);
	assert_non_null(strstr(err.msg, "CREDENTIALS_DIRECTORY"));
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", "", 1), 0);
	assert_int_equal(
	    crypto_kek_load("credential:fulfil.cache-key_1", &k, &err),
	    FULFIL_ECONFIG);
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", "creds", 1), 0);
	assert_int_equal(
	    crypto_kek_load("credential:fulfil.cache-key_1", &k, &err),
	    FULFIL_ECONFIG);
	assert_null(k);

	if (saved != NULL)
		setenv("CREDENTIALS_DIRECTORY", saved, 1);
	else
		unsetenv("CREDENTIALS_DIRECTORY");
	free(saved);
	free(path);
	free(open_mode);
	free(credir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cipher_names),
	    cmocka_unit_test(test_cipher_resolve),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_byte_flips),
	    cmocka_unit_test(test_wrong_binding),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_header_fields),
	    cmocka_unit_test(test_no_plaintext),
	    cmocka_unit_test(test_seal_args),
	    cmocka_unit_test(test_dek_wrap),
	    cmocka_unit_test(test_kek_seal),
	    cmocka_unit_test(test_kek_create),
	    cmocka_unit_test(test_kek_fingerprint),
	    cmocka_unit_test(test_key_modes),
	    cmocka_unit_test(test_key_file_kinds),
	    cmocka_unit_test(test_key_content),
	    cmocka_unit_test(test_credentials),
	};

	return cmocka_run_group_tests_name(
	    "crypto", tests, group_setup, group_teardown);
}
