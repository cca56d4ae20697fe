/*
 * crypto: the key-encryption key, per-order data keys, and sealing.
 *
 * Envelope encryption: every order has a random 32-byte data key (DEK);
 * its data is sealed with the DEK, the DEK is wrapped (sealed) with the
 * KEK. Associated data binds each sealed value to its order id, its kind
 * (dek or order) and its header, so values cannot be swapped between orders
 * or kinds. Every sealed value starts with a header recording the format
 * version, the algorithm and the key epoch. Keys live only in struct secret
 * memory. See doc/crypto-format.md for the byte layouts and key file format.
 */
#ifndef FULFIL_CRYPTO_H
#define FULFIL_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferr.h"
#include "secret.h"

enum fulfil_cipher {
	FULFIL_CIPHER_AUTO = 0,
	FULFIL_CIPHER_AES256GCM = 1,
	FULFIL_CIPHER_XCHACHA20POLY1305 = 2,
};

#define CRYPTO_KEY_BYTES 32
/* Upper bound on what sealing adds to the plaintext (header+nonce+tag). */
#define CRYPTO_SEAL_OVERHEAD 64
/* Longest id (order id, station secret name) a value can be sealed for. */
#define CRYPTO_ID_MAX 255
/* Upper bound on a wrapped DEK. */
#define CRYPTO_WRAPPED_DEK_MAX (CRYPTO_KEY_BYTES + CRYPTO_SEAL_OVERHEAD)

enum crypto_kind {
	CRYPTO_KIND_DEK = 1,	/* a DEK wrapped by the KEK */
	CRYPTO_KIND_ORDER = 2,	/* an order's sealed data */
	CRYPTO_KIND_STATION = 3,	/* station secrets (signing key) */
};

/* "aes256gcm", "xchacha20poly1305", "auto". */
const char *crypto_cipher_name(enum fulfil_cipher c);
int crypto_cipher_parse(const char *s, enum fulfil_cipher *out);

/*
 * auto -> AES-256-GCM when the CPU has it, else XChaCha20-Poly1305.
 * Asking for aes256gcm on a CPU without it is FULFIL_ECONFIG.
 */
int crypto_cipher_resolve(enum fulfil_cipher want, enum fulfil_cipher *out,
    struct ferr *err);

struct kek;	/* opaque: key bytes (locked) and epoch */

/*
 * Load the KEK. spec is an absolute path to a key file, or
 * "credential:NAME" read from $CREDENTIALS_DIRECTORY/NAME. A key file is
 * refused (FULFIL_EPERM) when group or others can read or write it or it
 * is not a regular file owned by the caller; its content must be the
 * documented encoding of 32 random-looking bytes (FULFIL_EKEY otherwise).
 */
int crypto_kek_load(const char *spec, struct kek **out, struct ferr *err);

/* Is spec a "credential:NAME" KEK (systemd owns it), not a key file? */
#define CRYPTO_CREDENTIAL_PREFIX "credential:"
bool crypto_kek_spec_is_credential(const char *spec);

/*
 * Create a new key file at path (O_EXCL, mode 0400, fsync'ed file and
 * directory) holding fresh random key bytes for the given epoch.
 * FULFIL_EEXIST if it is already there. Not for credential: specs.
 */
int crypto_kek_create(const char *path, uint32_t epoch, struct ferr *err);

uint32_t crypto_kek_epoch(const struct kek *k);

/* BLAKE2b-256 fingerprint of the key (hex, 64 chars + NUL); not secret. */
void crypto_kek_fingerprint(const struct kek *k, char out[65]);

void crypto_kek_free(struct kek *k);

/* Fill dek (reserved to CRYPTO_KEY_BYTES, len set) with a fresh random key. */
int crypto_dek_generate(struct secret *dek, struct ferr *err);

/*
 * Seal plaintext for (kind, id) under key with cipher, epoch recorded in
 * the header. out must hold ptlen + CRYPTO_SEAL_OVERHEAD bytes; *outlen
 * gets the real length. cipher must be resolved (not AUTO).
 */
int crypto_seal(enum fulfil_cipher cipher, const unsigned char key[CRYPTO_KEY_BYTES],
    uint32_t epoch, enum crypto_kind kind, const char *id,
    const unsigned char *pt, size_t ptlen,
    unsigned char *out, size_t *outlen, struct ferr *err);

/*
 * Open a sealed value made for (kind, id). The plaintext goes into pt
 * (grown as needed; pt->len set). FULFIL_ECRYPTO when it was tampered
 * with, belongs to another id or kind, or the key is wrong; FULFIL_EINVAL
 * when the header is malformed or of an unknown version/algorithm;
 * FULFIL_ECONFIG when it is sealed with AES-256-GCM and this CPU cannot
 * compute it. On failure pt is wiped and pt->len is 0.
 */
int crypto_open(const unsigned char key[CRYPTO_KEY_BYTES], enum crypto_kind kind,
    const char *id, const unsigned char *in, size_t inlen,
    struct secret *pt, struct ferr *err);

/* Read a sealed value's header without opening it (0 or FULFIL_EINVAL). */
int crypto_sealed_info(const unsigned char *in, size_t inlen,
    enum fulfil_cipher *cipher, uint32_t *epoch);

/*
 * Wrap/unwrap a DEK for order id under the KEK (kind CRYPTO_KIND_DEK).
 * Opening a value whose header epoch is not the KEK's epoch is
 * FULFIL_ECRYPTO with a message naming both epochs.
 */
int crypto_dek_wrap(const struct kek *k, enum fulfil_cipher cipher,
    const struct secret *dek, const char *order_id,
    unsigned char out[CRYPTO_WRAPPED_DEK_MAX], size_t *outlen, struct ferr *err);
int crypto_dek_unwrap(const struct kek *k, const char *order_id,
    const unsigned char *in, size_t inlen, struct secret *dek, struct ferr *err);

/*
 * Seal/open with the KEK itself (station secrets such as the signing key);
 * same format, kind CRYPTO_KIND_STATION.
 */
int crypto_kek_seal(const struct kek *k, enum fulfil_cipher cipher, const char *id,
    const unsigned char *pt, size_t ptlen, unsigned char *out, size_t *outlen,
    struct ferr *err);
int crypto_kek_open(const struct kek *k, const char *id, const unsigned char *in,
    size_t inlen, struct secret *pt, struct ferr *err);

#endif
