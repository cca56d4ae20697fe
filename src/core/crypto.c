/*
 * crypto: envelope encryption for the order cache (see crypto.h and
 * doc/crypto-format.md, which is the normative description of every
 * byte written here).
 *
 * Owns the KEK (key bytes in read-only locked memory, plus the AES-GCM
 * key schedule precomputed once per KEK), the sealed value format, the key
 * file format and its permission checks. Sealing and opening never
 * allocate (beyond growing the caller's secret) and never derive keys, so
 * the ingest path stays at one DEK generate + one wrap + one seal per
 * order.
 *
 * Must never: put plaintext or key bytes (or the key file's text, which
 * is the key) into a message, copy key material outside sodium_malloc
 * memory without wiping it, reuse a nonce on purpose, or accept a key file
 * that others can read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto.h"
#include "fileio.h"
#include "ferr.h"
#include "i18n.h"
#include "secret.h"

/* Sealed value header: see doc/crypto-format.md, "Sealed values". */
#define SEAL_MAGIC "FULS"
#define SEAL_MAGIC_LEN 4
#define SEAL_VERSION 1
#define SEAL_OFF_VERSION 4
#define SEAL_OFF_ALG 5
#define SEAL_OFF_KIND 6
#define SEAL_OFF_FLAGS 7
#define SEAL_OFF_EPOCH 8
#define SEAL_HDR_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_NONCE_MAX crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
/* Associated data: header, id length (uint32 LE), id. */
#define SEAL_AD_MAX (SEAL_HDR_LEN + 4 + CRYPTO_ID_MAX)

_Static_assert(
    SEAL_HDR_LEN + SEAL_NONCE_MAX + SEAL_TAG_LEN <= CRYPTO_SEAL_OVERHEAD,
    "CRYPTO_SEAL_OVERHEAD must bound the real overhead");
_Static_assert(
    crypto_aead_aes256gcm_NPUBBYTES <= SEAL_NONCE_MAX, "nonce sizes");
_Static_assert(crypto_aead_aes256gcm_ABYTES == SEAL_TAG_LEN &&
                   crypto_aead_xchacha20poly1305_ietf_ABYTES == SEAL_TAG_LEN,
    "tag sizes");
_Static_assert(
    crypto_aead_aes256gcm_KEYBYTES == CRYPTO_KEY_BYTES &&
        crypto_aead_xchacha20poly1305_ietf_KEYBYTES == CRYPTO_KEY_BYTES,
    "key sizes");

/* Key file: see doc/crypto-format.md, "Key file". */
#define KEYFILE_TAG "fulfil-kek-"
#define KEYFILE_VERSION "1"
#define KEYFILE_MAX 1024
#define KEYFILE_B64_LEN 44 /* 32 bytes, original alphabet, padded */
#define KEY_MIN_DISTINCT 16
#define KEK_FPR_CONTEXT "fulfil kek fingerprint v1"


/* The algorithms a sealed value may name; the id is the header byte. */
static const struct crypto_alg {
	enum fulfil_cipher cipher;
	uint8_t id;
	const char *label;
	size_t npub;
} crypto_algs[] = {
    {FULFIL_CIPHER_AES256GCM, 1, "AES-256-GCM",
        crypto_aead_aes256gcm_NPUBBYTES},
    {FULFIL_CIPHER_XCHACHA20POLY1305, 2, "XChaCha20-Poly1305",
        crypto_aead_xchacha20poly1305_ietf_NPUBBYTES},
};

static const struct {
	enum fulfil_cipher cipher;
	const char *name;
} crypto_cipher_names[] = {
    {FULFIL_CIPHER_AUTO, "auto"},
    {FULFIL_CIPHER_AES256GCM, "aes256gcm"},
    {FULFIL_CIPHER_XCHACHA20POLY1305, "xchacha20poly1305"},
};

static const struct {
	enum crypto_kind kind;
	const char *what;
} crypto_kinds[] = {
    {CRYPTO_KIND_DEK, N_("wrapped data key")},
    {CRYPTO_KIND_ORDER, N_("sealed order record")},
    {CRYPTO_KIND_STATION, N_("station secret")},
};

struct kek {
	struct secret *key; /* CRYPTO_KEY_BYTES, read-only after load */
	uint32_t epoch;
	/* AES-GCM key schedule; NULL when the CPU has no AES-NI. */
	crypto_aead_aes256gcm_state *aes;
};

/* A parsed sealed value (pointers into the caller's input). */
struct sealed {
	const struct crypto_alg *alg;
	enum crypto_kind kind;
	uint32_t epoch;
	const unsigned char *nonce;
	const unsigned char *ct; /* ciphertext followed by the tag */
	size_t ctlen;            /* including the tag */
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct crypto_alg *
crypto_alg_by_cipher(enum fulfil_cipher c)
{
	size_t i;

	for (i = 0; i < NELEM(crypto_algs); i++)
		if (crypto_algs[i].cipher == c)
			return &crypto_algs[i];
	return NULL;
}

static const struct crypto_alg *
crypto_alg_by_id(unsigned id)
{
	size_t i;

	for (i = 0; i < NELEM(crypto_algs); i++)
		if (crypto_algs[i].id == id)
			return &crypto_algs[i];
	return NULL;
}

static const char *
crypto_kind_what(enum crypto_kind kind)
{
	size_t i;

	for (i = 0; i < NELEM(crypto_kinds); i++)
		if (crypto_kinds[i].kind == kind)
			return _(crypto_kinds[i].what);
	return "?";
}

static int
crypto_kind_valid(unsigned kind)
{
	size_t i;

	for (i = 0; i < NELEM(crypto_kinds); i++)
		if ((unsigned)crypto_kinds[i].kind == kind)
			return 1;
	return 0;
}

static void
crypto_put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)((v >> 24) & 0xff);
}

static uint32_t
crypto_get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int
crypto_sodium_ready(struct ferr *err)
{
	if (sodium_init() < 0)
		return ferr_set(
		    err, FULFIL_ECRYPTO, _("libsodium failed to initialise"));
	return 0;
}

/* ---- ciphers ---------------------------------------------------------- */

const char *
crypto_cipher_name(enum fulfil_cipher c)
{
	size_t i;

	for (i = 0; i < NELEM(crypto_cipher_names); i++)
		if (crypto_cipher_names[i].cipher == c)
			return crypto_cipher_names[i].name;
	return "unknown";
}

int
crypto_cipher_parse(const char *s, enum fulfil_cipher *out)
{
	size_t i;

	if (s == NULL)
		return FULFIL_EINVAL;
	for (i = 0; i < NELEM(crypto_cipher_names); i++)
		if (strcmp(s, crypto_cipher_names[i].name) == 0) {
			*out = crypto_cipher_names[i].cipher;
			return 0;
		}
	return FULFIL_EINVAL;
}

int
crypto_cipher_resolve(
    enum fulfil_cipher want, enum fulfil_cipher *out, struct ferr *err)
{
	int r;

	if ((r = crypto_sodium_ready(err)) != 0)
		return r;
	switch (want) {
	case FULFIL_CIPHER_AUTO:
		*out = crypto_aead_aes256gcm_is_available()
		           ? FULFIL_CIPHER_AES256GCM
		           : FULFIL_CIPHER_XCHACHA20POLY1305;
		return 0;
	case FULFIL_CIPHER_AES256GCM:
		if (!crypto_aead_aes256gcm_is_available())
			return ferr_set(err, FULFIL_ECONFIG,
			    _("cipher aes256gcm was asked for, but this CPU "
			      "has no hardware AES-GCM support (AES-NI and "
			      "PCLMUL); use cipher = auto or "
			      "cipher = xchacha20poly1305"));
		*out = FULFIL_CIPHER_AES256GCM;
		return 0;
	case FULFIL_CIPHER_XCHACHA20POLY1305:
		*out = FULFIL_CIPHER_XCHACHA20POLY1305;
		return 0;
	}
	return ferr_set(err, FULFIL_EINVAL, _("unknown cipher %d"), (int)want);
}

/* ---- sealed values ---------------------------------------------------- */

/* Parse and check a header and the length behind it. */
static int
crypto_sealed_parse(
    const unsigned char *in, size_t inlen, struct sealed *s, struct ferr *err)
{
	size_t min;

	if (in == NULL || inlen < SEAL_HDR_LEN)
		return ferr_set(err, FULFIL_EINVAL,
		    _("sealed value is too short (%zu bytes)"), inlen);
	if (memcmp(in, SEAL_MAGIC, SEAL_MAGIC_LEN) != 0)
		return ferr_set(err, FULFIL_EINVAL,
		    _("not a fulfil sealed value (bad magic bytes)"));
	if (in[SEAL_OFF_VERSION] != SEAL_VERSION)
		return ferr_set(err, FULFIL_EINVAL,
		    _("sealed value has unsupported format version %u"),
		    (unsigned)in[SEAL_OFF_VERSION]);
	if ((s->alg = crypto_alg_by_id(in[SEAL_OFF_ALG])) == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("sealed value names unknown algorithm %u"),
		    (unsigned)in[SEAL_OFF_ALG]);
	if (!crypto_kind_valid(in[SEAL_OFF_KIND]))
		return ferr_set(err, FULFIL_EINVAL,
		    _("sealed value names unknown kind %u"),
		    (unsigned)in[SEAL_OFF_KIND]);
	if (in[SEAL_OFF_FLAGS] != 0)
		return ferr_set(err, FULFIL_EINVAL,
		    _("sealed value has unknown flags 0x%02x"),
		    (unsigned)in[SEAL_OFF_FLAGS]);
	min = SEAL_HDR_LEN + s->alg->npub + SEAL_TAG_LEN;
	if (inlen < min)
		return ferr_set(err, FULFIL_EINVAL,
		    _("sealed value is too short (%zu bytes, %s needs at "
		      "least %zu)"),
		    inlen, s->alg->label, min);
	s->kind = (enum crypto_kind)in[SEAL_OFF_KIND];
	s->epoch = crypto_get_le32(in + SEAL_OFF_EPOCH);
	s->nonce = in + SEAL_HDR_LEN;
	s->ct = s->nonce + s->alg->npub;
	s->ctlen = inlen - SEAL_HDR_LEN - s->alg->npub;
	return 0;
}

/* ad = header || uint32 LE strlen(id) || id; returns its length. */
static int
crypto_ad_build(unsigned char ad[SEAL_AD_MAX], const unsigned char *hdr,
    const char *id, size_t *adlen, struct ferr *err)
{
	size_t idlen;

	if (id == NULL)
		return ferr_set(
		    err, FULFIL_EINVAL, _("sealed value without id"));
	if ((idlen = strlen(id)) > CRYPTO_ID_MAX)
		return ferr_set(err, FULFIL_EINVAL,
		    _("id is longer than %d bytes"), CRYPTO_ID_MAX);
	memcpy(ad, hdr, SEAL_HDR_LEN);
	crypto_put_le32(ad + SEAL_HDR_LEN, (uint32_t)idlen);
	memcpy(ad + SEAL_HDR_LEN + 4, id, idlen);
	*adlen = SEAL_HDR_LEN + 4 + idlen;
	return 0;
}

static int
crypto_aes_missing(struct ferr *err)
{
	return ferr_set(err, FULFIL_ECONFIG,
	    _("value is sealed with AES-256-GCM, which this CPU cannot "
	      "compute (no AES-NI/PCLMUL)"));
}

/*
 * Seal with a raw key, or with a precomputed AES state (aes != NULL and
 * alg is AES-256-GCM).
 */
static int
crypto_seal_with(const struct crypto_alg *alg, const unsigned char *key,
    const crypto_aead_aes256gcm_state *aes, uint32_t epoch,
    enum crypto_kind kind, const char *id, const unsigned char *pt,
    size_t ptlen, unsigned char *out, size_t *outlen, struct ferr *err)
{
	unsigned char ad[SEAL_AD_MAX];
	unsigned char *nonce, *ct;
	unsigned long long clen = 0;
	size_t adlen;
	int r, rc;

	if (alg == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("cannot seal: cipher is not resolved"));
	if (!crypto_kind_valid((unsigned)kind))
		return ferr_set(err, FULFIL_EINVAL, _("cannot seal: bad kind"));
	if ((pt == NULL && ptlen > 0) || out == NULL || outlen == NULL)
		return ferr_set(
		    err, FULFIL_EINVAL, _("cannot seal: missing buffer"));
	/* Both AEADs take at least 2^36 bytes; keep well below any limit. */
	if (ptlen > SIZE_MAX - CRYPTO_SEAL_OVERHEAD ||
	    (unsigned long long)ptlen > crypto_aead_aes256gcm_MESSAGEBYTES_MAX)
		return ferr_set(
		    err, FULFIL_EINVAL, _("cannot seal: value too large"));
	if (alg->cipher == FULFIL_CIPHER_AES256GCM &&
	    !crypto_aead_aes256gcm_is_available())
		return crypto_aes_missing(err);

	memcpy(out, SEAL_MAGIC, SEAL_MAGIC_LEN);
	out[SEAL_OFF_VERSION] = SEAL_VERSION;
	out[SEAL_OFF_ALG] = alg->id;
	out[SEAL_OFF_KIND] = (unsigned char)kind;
	out[SEAL_OFF_FLAGS] = 0;
	crypto_put_le32(out + SEAL_OFF_EPOCH, epoch);
	if ((r = crypto_ad_build(ad, out, id, &adlen, err)) != 0)
		return r;
	nonce = out + SEAL_HDR_LEN;
	ct = nonce + alg->npub;
	randombytes_buf(nonce, alg->npub);

	switch (alg->cipher) {
	case FULFIL_CIPHER_AES256GCM:
		rc = aes != NULL
		         ? crypto_aead_aes256gcm_encrypt_afternm(ct, &clen, pt,
		               ptlen, ad, adlen, NULL, nonce, aes)
		         : crypto_aead_aes256gcm_encrypt(ct, &clen, pt, ptlen,
		               ad, adlen, NULL, nonce, key);
		break;
	case FULFIL_CIPHER_XCHACHA20POLY1305:
		rc = crypto_aead_xchacha20poly1305_ietf_encrypt(
		    ct, &clen, pt, ptlen, ad, adlen, NULL, nonce, key);
		break;
	default:
		rc = -1;
		break;
	}
	if (rc != 0 || clen != (unsigned long long)ptlen + SEAL_TAG_LEN) {
		sodium_memzero(
		    out, SEAL_HDR_LEN + alg->npub + ptlen + SEAL_TAG_LEN);
		return ferr_set(
		    err, FULFIL_ECRYPTO, _("%s encryption failed"), alg->label);
	}
	*outlen = SEAL_HDR_LEN + alg->npub + (size_t)clen;
	return 0;
}

/*
 * Open with a raw key or a precomputed AES state. want_epoch, when not
 * NULL, is the epoch of the key in hand: a value from another epoch is
 * refused with a message that says so.
 */
static int
crypto_open_with(const unsigned char *key,
    const crypto_aead_aes256gcm_state *aes, const uint32_t *want_epoch,
    enum crypto_kind kind, const char *id, const unsigned char *in,
    size_t inlen, struct secret *pt, struct ferr *err)
{
	unsigned char ad[SEAL_AD_MAX];
	unsigned long long mlen = 0;
	struct sealed s;
	size_t adlen, oldlen, ptlen;
	int r, rc;

	if (pt == NULL)
		return ferr_set(
		    err, FULFIL_EINVAL, _("cannot open: missing buffer"));
	oldlen = pt->len;
	pt->len = 0;
	if ((r = crypto_sealed_parse(in, inlen, &s, err)) != 0)
		goto fail;
	if (s.kind != kind) {
		r = ferr_set(err, FULFIL_ECRYPTO,
		    _("sealed value holds a %s where a %s was expected "
		      "(swapped or tampered data)"),
		    crypto_kind_what(s.kind), crypto_kind_what(kind));
		goto fail;
	}
	if (want_epoch != NULL && s.epoch != *want_epoch) {
		r = ferr_set(err, FULFIL_ECRYPTO,
		    _("sealed under key epoch %lu, but the loaded key is "
		      "epoch %lu: wrong key, or the value was tampered with"),
		    (unsigned long)s.epoch, (unsigned long)*want_epoch);
		goto fail;
	}
	if (s.alg->cipher == FULFIL_CIPHER_AES256GCM &&
	    !crypto_aead_aes256gcm_is_available()) {
		r = crypto_aes_missing(err);
		goto fail;
	}
	if ((r = crypto_ad_build(ad, in, id, &adlen, err)) != 0)
		goto fail;
	ptlen = s.ctlen - SEAL_TAG_LEN;
	if ((r = secret_reserve(pt, ptlen)) != 0) {
		r = ferr_set(err, r, _("out of locked memory"));
		goto fail;
	}

	switch (s.alg->cipher) {
	case FULFIL_CIPHER_AES256GCM:
		rc =
		    aes != NULL
		        ? crypto_aead_aes256gcm_decrypt_afternm(pt->data, &mlen,
		              NULL, s.ct, s.ctlen, ad, adlen, s.nonce, aes)
		        : crypto_aead_aes256gcm_decrypt(pt->data, &mlen, NULL,
		              s.ct, s.ctlen, ad, adlen, s.nonce, key);
		break;
	case FULFIL_CIPHER_XCHACHA20POLY1305:
		rc = crypto_aead_xchacha20poly1305_ietf_decrypt(pt->data, &mlen,
		    NULL, s.ct, s.ctlen, ad, adlen, s.nonce, key);
		break;
	default:
		rc = -1;
		break;
	}
	if (rc != 0 || mlen != (unsigned long long)ptlen) {
		r = ferr_set(err, FULFIL_ECRYPTO,
		    _("authentication failed: the data was tampered with or "
		      "the key is wrong"));
		goto fail;
	}
	/* Wipe what is left of a longer earlier content. */
	if (oldlen > ptlen)
		sodium_memzero(pt->data + ptlen, oldlen - ptlen);
	pt->len = ptlen;
	return 0;
fail:
	secret_clear(pt);
	return r;
}

int
crypto_seal(enum fulfil_cipher cipher,
    const unsigned char key[CRYPTO_KEY_BYTES], uint32_t epoch,
    enum crypto_kind kind, const char *id, const unsigned char *pt,
    size_t ptlen, unsigned char *out, size_t *outlen, struct ferr *err)
{
	if (key == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("cannot seal: no key"));
	return crypto_seal_with(crypto_alg_by_cipher(cipher), key, NULL, epoch,
	    kind, id, pt, ptlen, out, outlen, err);
}

int
crypto_open(const unsigned char key[CRYPTO_KEY_BYTES], enum crypto_kind kind,
    const char *id, const unsigned char *in, size_t inlen, struct secret *pt,
    struct ferr *err)
{
	if (key == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("cannot open: no key"));
	return crypto_open_with(key, NULL, NULL, kind, id, in, inlen, pt, err);
}

int
crypto_sealed_info(const unsigned char *in, size_t inlen,
    enum fulfil_cipher *cipher, uint32_t *epoch)
{
	struct sealed s;
	int r;

	if ((r = crypto_sealed_parse(in, inlen, &s, NULL)) != 0)
		return r;
	if (cipher != NULL)
		*cipher = s.alg->cipher;
	if (epoch != NULL)
		*epoch = s.epoch;
	return 0;
}

/* ---- data keys -------------------------------------------------------- */

int
crypto_dek_generate(struct secret *dek, struct ferr *err)
{
	if (dek == NULL)
		return ferr_set(
		    err, FULFIL_EINVAL, _("no buffer for a data key"));
	if (secret_reserve(dek, CRYPTO_KEY_BYTES) != 0)
		return ferr_set(err, FULFIL_ENOMEM, _("out of locked memory"));
	randombytes_buf(dek->data, CRYPTO_KEY_BYTES);
	dek->len = CRYPTO_KEY_BYTES;
	return 0;
}

/* Seal under the KEK, using its precomputed AES state where it applies. */
static int
crypto_kek_seal_kind(const struct kek *k, enum fulfil_cipher cipher,
    enum crypto_kind kind, const char *id, const unsigned char *pt,
    size_t ptlen, unsigned char *out, size_t *outlen, struct ferr *err)
{
	const struct crypto_alg *alg;

	if (k == NULL)
		return ferr_set(err, FULFIL_EKEY, _("no key-encryption key"));
	if ((alg = crypto_alg_by_cipher(cipher)) == NULL)
		return ferr_set(err, FULFIL_EINVAL,
		    _("cannot seal: cipher is not resolved"));
	return crypto_seal_with(alg, k->key->data,
	    alg->cipher == FULFIL_CIPHER_AES256GCM ? k->aes : NULL, k->epoch,
	    kind, id, pt, ptlen, out, outlen, err);
}

static int
crypto_kek_open_kind(const struct kek *k, enum crypto_kind kind, const char *id,
    const unsigned char *in, size_t inlen, struct secret *pt, struct ferr *err)
{
	if (k == NULL)
		return ferr_set(err, FULFIL_EKEY, _("no key-encryption key"));
	return crypto_open_with(
	    k->key->data, k->aes, &k->epoch, kind, id, in, inlen, pt, err);
}

int
crypto_dek_wrap(const struct kek *k, enum fulfil_cipher cipher,
    const struct secret *dek, const char *order_id,
    unsigned char out[CRYPTO_WRAPPED_DEK_MAX], size_t *outlen, struct ferr *err)
{
	if (dek == NULL || dek->len != CRYPTO_KEY_BYTES)
		return ferr_set(err, FULFIL_EINVAL,
		    _("a data key must be %d bytes"), CRYPTO_KEY_BYTES);
	return crypto_kek_seal_kind(k, cipher, CRYPTO_KIND_DEK, order_id,
	    dek->data, dek->len, out, outlen, err);
}

int
crypto_dek_unwrap(const struct kek *k, const char *order_id,
    const unsigned char *in, size_t inlen, struct secret *dek, struct ferr *err)
{
	int r;

	if ((r = crypto_kek_open_kind(
	         k, CRYPTO_KIND_DEK, order_id, in, inlen, dek, err)) != 0)
		return r;
	if (dek->len != CRYPTO_KEY_BYTES) {
		secret_clear(dek);
		return ferr_set(err, FULFIL_EINVAL,
		    _("unwrapped data key has the wrong length"));
	}
	return 0;
}

int
crypto_kek_seal(const struct kek *k, enum fulfil_cipher cipher, const char *id,
    const unsigned char *pt, size_t ptlen, unsigned char *out, size_t *outlen,
    struct ferr *err)
{
	return crypto_kek_seal_kind(
	    k, cipher, CRYPTO_KIND_STATION, id, pt, ptlen, out, outlen, err);
}

int
crypto_kek_open(const struct kek *k, const char *id, const unsigned char *in,
    size_t inlen, struct secret *pt, struct ferr *err)
{
	return crypto_kek_open_kind(
	    k, CRYPTO_KIND_STATION, id, in, inlen, pt, err);
}

/* ---- the KEK ---------------------------------------------------------- */

uint32_t
crypto_kek_epoch(const struct kek *k)
{
	return k->epoch;
}

void
crypto_kek_free(struct kek *k)
{
	if (k == NULL)
		return;
	if (k->key != NULL) {
		sodium_mprotect_readwrite(k->key->data);
		secret_free(k->key);
	}
	if (k->aes != NULL) {
		sodium_mprotect_readwrite(k->aes);
		sodium_memzero(k->aes, sizeof *k->aes);
		sodium_free(k->aes);
	}
	free(k);
}

void
crypto_kek_fingerprint(const struct kek *k, char out[65])
{
	crypto_generichash_state st;
	unsigned char h[32];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)KEK_FPR_CONTEXT,
	    sizeof KEK_FPR_CONTEXT - 1);
	crypto_generichash_update(&st, k->key->data, CRYPTO_KEY_BYTES);
	crypto_generichash_final(&st, h, sizeof h);
	sodium_memzero(&st, sizeof st);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* Fewer than KEY_MIN_DISTINCT byte values: not from a random source. */
static int
crypto_key_looks_random(const unsigned char key[CRYPTO_KEY_BYTES])
{
	unsigned char seen[256];
	size_t i, n = 0;

	memset(seen, 0, sizeof seen);
	for (i = 0; i < CRYPTO_KEY_BYTES; i++) {
		n += !seen[key[i]];
		seen[key[i]] = 1;
	}
	sodium_memzero(seen, sizeof seen);
	return n >= KEY_MIN_DISTINCT;
}

/* A KEK from raw bytes (copied). */
static int
crypto_kek_new(const unsigned char key[CRYPTO_KEY_BYTES], uint32_t epoch,
    struct kek **out, struct ferr *err)
{
	struct kek *k;
	size_t sz;

	if ((k = calloc(1, sizeof *k)) == NULL ||
	    (k->key = secret_new(CRYPTO_KEY_BYTES)) == NULL)
		goto nomem;
	memcpy(k->key->data, key, CRYPTO_KEY_BYTES);
	k->key->len = CRYPTO_KEY_BYTES;
	k->epoch = epoch;
	if (crypto_aead_aes256gcm_is_available()) {
		/*
		 * sodium_malloc puts the block at the end of a page, so it is
		 * 16-byte aligned when its size is a multiple of 16.
		 */
		sz = (sizeof *k->aes + 15) & ~(size_t)15;
		if ((k->aes = sodium_malloc(sz)) == NULL)
			goto nomem;
		if (((uintptr_t)k->aes & 15) != 0) {
			crypto_kek_free(k);
			return ferr_set(err, FULFIL_ECRYPTO,
			    _("AES-GCM state is not 16-byte aligned"));
		}
		crypto_aead_aes256gcm_beforenm(k->aes, k->key->data);
		sodium_mprotect_readonly(k->aes);
	}
	sodium_mprotect_readonly(k->key->data);
	*out = k;
	return 0;
nomem:
	crypto_kek_free(k);
	return ferr_set(err, FULFIL_ENOMEM, _("out of locked memory"));
}

/* Strict decimal uint32: 1-10 digits, no sign, no leading zero. */
static int
crypto_parse_epoch(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/*
 * Parse "fulfil-kek-1 EPOCH BASE64\n" (the newline is optional). On
 * failure returns a reason (untranslated, N_()) that never quotes the
 * text; key is wiped.
 */
static const char *
crypto_keyfile_parse(const char *text, size_t len, uint32_t *epoch,
    unsigned char key[CRYPTO_KEY_BYTES])
{
	const char *p = text, *end = text + len, *sp, *b64end;
	size_t taglen = sizeof KEYFILE_TAG - 1, binlen = 0;
	const char *why = NULL;

	if (len > 0 && end[-1] == '\n')
		end--;
	if ((size_t)(end - p) < taglen || memcmp(p, KEYFILE_TAG, taglen) != 0)
		return N_("it does not start with \"fulfil-kek-\"");
	p += taglen;
	if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
		return N_(
		    "it is not of the form \"fulfil-kek-1 EPOCH BASE64\"");
	if ((size_t)(sp - p) != sizeof KEYFILE_VERSION - 1 ||
	    memcmp(p, KEYFILE_VERSION, (size_t)(sp - p)) != 0)
		return N_("its format version is not 1");
	p = sp + 1;
	if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL ||
	    crypto_parse_epoch(p, (size_t)(sp - p), epoch) != 0)
		return N_("its epoch is not a decimal number below 2^32");
	p = sp + 1;
	if (end - p != KEYFILE_B64_LEN)
		return N_("the key is not 44 base64 characters on one line");
	if (sodium_base642bin(key, CRYPTO_KEY_BYTES, p, (size_t)(end - p), NULL,
	        &binlen, &b64end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    b64end != end || binlen != CRYPTO_KEY_BYTES)
		why = N_("the key is not valid base64 of 32 bytes");
	else if (!crypto_key_looks_random(key))
		why = N_("it does not hold 32 random bytes (too few distinct "
		         "byte values)");
	if (why != NULL)
		sodium_memzero(key, CRYPTO_KEY_BYTES);
	return why;
}

/* Turn a spec into a path (buf, PATH_MAX). */
static int
crypto_kek_path(const char *spec, char *buf, size_t bufsz, struct ferr *err)
{
	const char *name, *dir;
	size_t i, plen = sizeof CRYPTO_CREDENTIAL_PREFIX - 1;
	int n;

	if (spec == NULL || *spec == '\0')
		return ferr_set(
		    err, FULFIL_ECONFIG, _("no key file configured"));
	if (strncmp(spec, CRYPTO_CREDENTIAL_PREFIX, plen) != 0) {
		if (spec[0] != '/')
			return ferr_set(err, FULFIL_ECONFIG,
			    _("key %s must be an absolute path or "
			      "credential:NAME"),
			    spec);
		if (strlen(spec) >= bufsz)
			return ferr_set(err, FULFIL_ECONFIG,
			    _("key file path is too long"));
		memcpy(buf, spec, strlen(spec) + 1);
		return 0;
	}
	name = spec + plen;
	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return ferr_set(err, FULFIL_ECONFIG,
		    _("key %s: the credential name must not be empty, \".\" "
		      "or \"..\""),
		    spec);
	for (i = 0; name[i] != '\0'; i++)
		if (strchr(
		        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		        "0123456789._-",
		        name[i]) == NULL)
			return ferr_set(err, FULFIL_ECONFIG,
			    _("key %s: a credential name may only contain "
			      "letters, digits, '.', '_' and '-'"),
			    spec);
	dir = getenv("CREDENTIALS_DIRECTORY");
	if (dir == NULL || *dir == '\0')
		return ferr_set(err, FULFIL_ECONFIG,
		    _("key %s: $CREDENTIALS_DIRECTORY is not set (run the "
		      "service with LoadCredential= or "
		      "LoadCredentialEncrypted=)"),
		    spec);
	if (dir[0] != '/')
		return ferr_set(err, FULFIL_ECONFIG,
		    _("key %s: $CREDENTIALS_DIRECTORY is not an absolute "
		      "path"),
		    spec);
	n = snprintf(buf, bufsz, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= bufsz)
		return ferr_set(
		    err, FULFIL_ECONFIG, _("key file path is too long"));
	return 0;
}

static int
crypto_open_error(const char *path, int e, struct ferr *err)
{
	switch (e) {
	case ENOENT:
		return ferr_set(err, FULFIL_ENOTFOUND,
		    _("key file %s does not exist"), path);
	case ELOOP:
		return ferr_set(err, FULFIL_EPERM,
		    _("key file %s is a symbolic link; refusing it (point the "
		      "key setting at the real file)"),
		    path);
	case EACCES:
	case EPERM:
		return ferr_set(err, FULFIL_EPERM,
		    _("cannot read key file %s: %s"), path, strerror(e));
	default:
		return ferr_set(err, FULFIL_EIO,
		    _("cannot open key file %s: %s"), path, strerror(e));
	}
}

/* Regular, ours (or root's), no group/other bits. */
static int
crypto_keyfile_check(const char *path, const struct stat *sb, struct ferr *err)
{
	if (!S_ISREG(sb->st_mode))
		return ferr_set(err, FULFIL_EPERM,
		    _("key file %s is not a regular file"), path);
	if (sb->st_uid != geteuid() && sb->st_uid != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("key file %s is owned by uid %lu, not by this user "
		      "(uid %lu) or root; fix with: chown %lu %s"),
		    path, (unsigned long)sb->st_uid, (unsigned long)geteuid(),
		    (unsigned long)geteuid(), path);
	if ((sb->st_mode & 077) != 0)
		return ferr_set(err, FULFIL_EPERM,
		    _("key file %s has mode %04o: group and others must have "
		      "no access; fix with: chmod 400 %s"),
		    path, (unsigned)(sb->st_mode & 07777), path);
	if (sb->st_size > KEYFILE_MAX)
		return ferr_set(err, FULFIL_EKEY,
		    _("key file %s is too large (%lld bytes, a key file has "
		      "at most %d)"),
		    path, (long long)sb->st_size, KEYFILE_MAX);
	return 0;
}

/* Read all of fd (at most KEYFILE_MAX bytes) into text. */
static int
crypto_keyfile_read(
    int fd, const char *path, struct secret *text, struct ferr *err)
{
	ssize_t n;

	text->len = 0;
	for (;;) {
		n = read(fd, text->data + text->len, text->cap - text->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ferr_set(err, FULFIL_EIO,
			    _("cannot read key file %s: %s"), path,
			    strerror(errno));
		if (n == 0)
			return 0;
		text->len += (size_t)n;
		if (text->len > KEYFILE_MAX)
			return ferr_set(err, FULFIL_EKEY,
			    _("key file %s is too large (a key file has at "
			      "most %d bytes)"),
			    path, KEYFILE_MAX);
	}
}

bool
crypto_kek_spec_is_credential(const char *spec)
{
	return spec != NULL && strncmp(spec, CRYPTO_CREDENTIAL_PREFIX,
	    sizeof CRYPTO_CREDENTIAL_PREFIX - 1) == 0;
}

int
crypto_kek_load(const char *spec, struct kek **out, struct ferr *err)
{
	char path[PATH_MAX];
	unsigned char key[CRYPTO_KEY_BYTES];
	struct secret *text = NULL;
	struct stat sb;
	const char *why;
	uint32_t epoch = 0;
	int fd = -1, r;

	if (out == NULL)
		return ferr_set(err, FULFIL_EINVAL, _("no place for the key"));
	*out = NULL;
	if ((r = crypto_sodium_ready(err)) != 0)
		return r;
	if ((r = crypto_kek_path(spec, path, sizeof path, err)) != 0)
		return r;
	/* O_NONBLOCK: a FIFO planted at the path must not hang us. */
	fd = open(
	    path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return crypto_open_error(path, errno, err);
	if (fstat(fd, &sb) != 0) {
		r = ferr_set(err, FULFIL_EIO, _("cannot stat key file %s: %s"),
		    path, strerror(errno));
		goto out;
	}
	if ((r = crypto_keyfile_check(path, &sb, err)) != 0)
		goto out;
	if ((text = secret_new(KEYFILE_MAX + 1)) == NULL) {
		r = ferr_set(err, FULFIL_ENOMEM, _("out of locked memory"));
		goto out;
	}
	if ((r = crypto_keyfile_read(fd, path, text, err)) != 0)
		goto out;
	/* key[] is on the stack for the few instructions until the copy. */
	if ((why = crypto_keyfile_parse(
	         (const char *)text->data, text->len, &epoch, key)) != NULL) {
		r = ferr_set(err, FULFIL_EKEY,
		    _("key file %s is not usable: %s"), path, _(why));
		goto out;
	}
	r = crypto_kek_new(key, epoch, out, err);
out:
	sodium_memzero(key, sizeof key);
	secret_free(text);
	if (fd >= 0)
		close(fd);
	return r;
}

/* "fulfil-kek-1 EPOCH BASE64\n" for a fresh random key, into line. */
static int
crypto_keyfile_format(uint32_t epoch, struct secret *line, struct ferr *err)
{
	unsigned char key[CRYPTO_KEY_BYTES];
	char num[16];
	size_t n, off = 0;
	const char *head = KEYFILE_TAG KEYFILE_VERSION " ";

	do
		randombytes_buf(key, sizeof key);
	while (!crypto_key_looks_random(key));
	snprintf(num, sizeof num, "%lu", (unsigned long)epoch);
	if ((n = strlen(head)) + strlen(num) + 1 + KEYFILE_B64_LEN + 2 >
	    line->cap) {
		sodium_memzero(key, sizeof key);
		return ferr_set(err, FULFIL_ECRYPTO, _("key line too long"));
	}
	memcpy(line->data, head, n);
	off = n;
	memcpy(line->data + off, num, strlen(num));
	off += strlen(num);
	line->data[off++] = ' ';
	sodium_bin2base64((char *)line->data + off, KEYFILE_B64_LEN + 1, key,
	    sizeof key, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof key);
	off += KEYFILE_B64_LEN;
	line->data[off++] = '\n';
	line->len = off;
	return 0;
}

int
crypto_kek_create(const char *path, uint32_t epoch, struct ferr *err)
{
	struct secret *line = NULL;
	int fd = -1, r;

	if ((r = crypto_sodium_ready(err)) != 0)
		return r;
	if (path == NULL || path[0] != '/')
		return ferr_set(err, FULFIL_EINVAL,
		    _("a new key file needs an absolute path (not %s)"),
		    path == NULL ? "(null)" : path);
	if (strlen(path) >= PATH_MAX)
		return ferr_set(
		    err, FULFIL_EINVAL, _("key file path is too long"));
	if ((line = secret_new(128)) == NULL)
		return ferr_set(err, FULFIL_ENOMEM, _("out of locked memory"));
	if ((r = crypto_keyfile_format(epoch, line, err)) != 0)
		goto out;
	fd = open(path,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
	    0400);
	if (fd < 0) {
		if (errno == EEXIST)
			r = ferr_set(err, FULFIL_EEXIST,
			    _("key file %s already exists; refusing to "
			      "overwrite it"),
			    path);
		else if (errno == ENOENT)
			r = ferr_set(err, FULFIL_ENOTFOUND,
			    _("cannot create key file %s: the directory does "
			      "not exist"),
			    path);
		else if (errno == EACCES || errno == EPERM)
			r = ferr_set(err, FULFIL_EPERM,
			    _("cannot create key file %s: %s"), path,
			    strerror(errno));
		else
			r = ferr_set(err, FULFIL_EIO,
			    _("cannot create key file %s: %s"), path,
			    strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0400) != 0 ||
	    fileio_write_all(fd, line->data, line->len) != 0 ||
	    fsync(fd) != 0) {
		r = ferr_set(err, FULFIL_EIO, _("cannot write key file %s: %s"),
		    path, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = ferr_set(err, FULFIL_EIO, _("cannot write key file %s: %s"),
		    path, strerror(errno));
		goto fail;
	}
	fd = -1;
	if ((r = fileio_fsync_dir(path, err)) != 0)
		goto fail;
	goto out;
fail:
	unlink(path);
out:
	if (fd >= 0)
		close(fd);
	secret_free(line);
	return r;
}
