#include "store/secretbox.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"

#define SEAL_PREFIX "v1:"
#define SEAL_PREFIX_LEN (sizeof(SEAL_PREFIX) - 1)
#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL
/* A sealed value is at most as long as the longest camera URL plus overhead; the
 * bound keeps a corrupted row from asking for a huge allocation. */
#define SEALED_MAX (64 * 1024)

static int read_key(const char *path, struct vg_secretbox *ret_box)
{
    struct vg_secretbox box;
    struct stat sb;
    int ret = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &sb) < 0) {
        ret = -errno;
        goto out;
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size != (off_t)sizeof(box.key)) {
        ret = -EINVAL;
        goto out;
    }
    size_t got = 0;
    while (got < sizeof(box.key)) {
        ssize_t n = read(fd, box.key + got, sizeof(box.key) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ret = n < 0 ? -errno : -EINVAL;
            goto out;
        }
        got += (size_t)n;
    }
    *ret_box = box;
out:
    sodium_memzero(&box, sizeof(box));
    close(fd);
    return ret;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Makes the new directory entry durable, so a key we have used is not lost in a
 * power cut while the database rows sealed with it survive. */
static int fsync_parent(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -ENOMEM;
    int ret = 0;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        ret = -errno;
    if (fd >= 0)
        close(fd);
    free(copy);
    return ret;
}

/* Writes a new key into a temporary file, then links it into place: the key file
 * either does not exist or is complete, even after kill -9 or a power cut, and link()
 * fails rather than replacing a key another process created meanwhile. */
static int create_key(const char *path)
{
    unsigned char key[crypto_secretbox_KEYBYTES];
    char tmp[4096];
    int fd = -1;
    int ret;
    /* Per process, so two daemons starting at once cannot write into one file. */
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return -ENAMETOOLONG;
    /* A leftover from a crashed process with our pid holds nothing anyone used. */
    if (unlink(tmp) < 0 && errno != ENOENT)
        return -errno;
    fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -errno;
    randombytes_buf(key, sizeof(key));
    ret = write_all(fd, key, sizeof(key));
    if (ret < 0)
        goto out;
    if (fsync(fd) < 0) {
        ret = -errno;
        goto out;
    }
    if (link(tmp, path) < 0) {
        ret = -errno; /* -EEXIST: another process won; the caller reads its key */
        goto out;
    }
    ret = fsync_parent(path);
out:
    sodium_memzero(key, sizeof(key));
    close(fd);
    unlink(tmp);
    return ret;
}

int vg_secretbox_load(const char *path, struct vg_secretbox *ret_box)
{
    if (!path || !ret_box)
        return -EINVAL;
    int ret = read_key(path, ret_box);
    if (ret != -ENOENT)
        return ret;
    ret = create_key(path);
    if (ret < 0 && ret != -EEXIST)
        return ret;
    return read_key(path, ret_box);
}

int vg_secretbox_seal(const struct vg_secretbox *box, const char *plaintext, char **ret_sealed)
{
    unsigned char *raw = NULL;
    char *out = NULL;
    int ret = 0;

    if (!plaintext || !plaintext[0]) {
        out = strdup("");
        if (!out)
            return -ENOMEM;
        *ret_sealed = out;
        return 0;
    }
    size_t plen = strlen(plaintext);
    if (plen > SEALED_MAX)
        return -EINVAL;
    size_t rawlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plen;
    size_t b64len = sodium_base64_ENCODED_LEN(rawlen, B64_VARIANT);
    raw = malloc(rawlen);
    out = malloc(SEAL_PREFIX_LEN + b64len);
    if (!raw || !out) {
        ret = -ENOMEM;
        goto out;
    }
    /* A random 192-bit nonce per value: no counter to keep, no risk of reuse. */
    randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, (const unsigned char *)plaintext, plen,
                          raw, box->key);
    memcpy(out, SEAL_PREFIX, SEAL_PREFIX_LEN);
    sodium_bin2base64(out + SEAL_PREFIX_LEN, b64len, raw, rawlen, B64_VARIANT);
    *ret_sealed = out;
    out = NULL;
out:
    free(raw);
    free(out);
    return ret;
}

int vg_secretbox_open(const struct vg_secretbox *box, const char *sealed, char **ret_plaintext)
{
    unsigned char *raw = NULL;
    char *plain = NULL;
    size_t rawlen = 0;
    size_t plen = 0;
    int ret = 0;

    if (!sealed)
        return -EINVAL;
    if (!sealed[0]) {
        plain = strdup("");
        if (!plain)
            return -ENOMEM;
        *ret_plaintext = plain;
        return 0;
    }
    size_t slen = strnlen(sealed, SEALED_MAX * 2);
    if (slen >= SEALED_MAX * 2 || strncmp(sealed, SEAL_PREFIX, SEAL_PREFIX_LEN) != 0)
        return -EBADMSG;
    const char *b64 = sealed + SEAL_PREFIX_LEN;
    size_t b64len = slen - SEAL_PREFIX_LEN;
    size_t rawmax = b64len / 4 * 3 + 3;
    raw = malloc(rawmax);
    if (!raw) {
        ret = -ENOMEM;
        goto out;
    }
    int rc = sodium_base642bin(raw, rawmax, b64, b64len, NULL, &rawlen, NULL, B64_VARIANT);
    if (rc != 0 || rawlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        ret = -EBADMSG;
        goto out;
    }
    size_t clen = rawlen - crypto_secretbox_NONCEBYTES;
    plen = clen - crypto_secretbox_MACBYTES;
    plain = malloc(plen + 1);
    if (!plain) {
        ret = -ENOMEM;
        goto out;
    }
    if (crypto_secretbox_open_easy((unsigned char *)plain, raw + crypto_secretbox_NONCEBYTES, clen,
                                   raw, box->key) != 0) {
        ret = -EBADMSG;
        goto out;
    }
    plain[plen] = '\0';
    /* A C string went in, so an authentic box holds no NUL; refuse a silent cut. */
    if (memchr(plain, '\0', plen)) {
        ret = -EBADMSG;
        goto out;
    }
    *ret_plaintext = plain;
    plain = NULL;
out:
    if (plain) {
        sodium_memzero(plain, plen + 1);
        free(plain);
    }
    free(raw);
    return ret;
}

/* Store helpers for sealed columns (store_internal.h). */

void vg_store_free_secret(char *s)
{
    if (!s)
        return;
    sodium_memzero(s, strlen(s));
    free(s);
}

int vg_store_col_open(sqlite3_stmt *st, int col, const struct vg_secretbox *box, char **ret_plain)
{
    const char *sealed = (const char *)sqlite3_column_text(st, col);
    if (!sealed && sqlite3_column_type(st, col) != SQLITE_NULL)
        return -ENOMEM;
    return vg_secretbox_open(box, sealed ? sealed : "", ret_plain);
}

int vg_store_bind_sealed(sqlite3_stmt *st, int idx, const struct vg_secretbox *box, const char *s)
{
    char *sealed = NULL;
    int ret = vg_secretbox_seal(box, s, &sealed);
    if (ret < 0)
        return ret;
    int rc = sqlite3_bind_text(st, idx, sealed, -1, free);
    return rc == SQLITE_OK ? 0 : vg_db_errno(rc);
}
