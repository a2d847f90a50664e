/* Sealing of stored camera secrets with a key kept in <state-dir>/secret.key
 * (0600), so a copy of the database alone does not reveal camera passwords. */
#pragma once

#include <stddef.h>

struct vg_secretbox {
    unsigned char key[32];
};

/* Loads the key at path, or creates it (mode 0600) when absent. Returns 0 or a
 * negative errno (-EINVAL: file exists with a wrong size).
 *
 * Key file format: exactly 32 raw bytes, the XSalsa20-Poly1305 key of libsodium's
 * crypto_secretbox, nothing else. A new key is written to "<path>.tmp.<pid>", fsync'd
 * and linked into place, so the file is either absent or whole after a crash. Losing
 * the file makes every sealed value unreadable (-EBADMSG): back it up with the
 * database. libsodium must be initialised (vg_secret_init()) first. */
int vg_secretbox_load(const char *path, struct vg_secretbox *ret_box);

/* Seals plaintext into "v1:" + base64(nonce || ciphertext), standard base64 with
 * padding, a random 24-byte nonce, ciphertext = crypto_secretbox_easy() output (16-byte
 * MAC first). Empty (or NULL) stays empty. Caller frees *ret_sealed. */
int vg_secretbox_seal(const struct vg_secretbox *box, const char *plaintext, char **ret_sealed);

/* Opens what vg_secretbox_seal made; -EBADMSG when tampered, not sealed, or sealed with
 * another key. Caller frees *ret_plaintext, best after wiping it (sodium_memzero). */
int vg_secretbox_open(const struct vg_secretbox *box, const char *sealed, char **ret_plaintext);
