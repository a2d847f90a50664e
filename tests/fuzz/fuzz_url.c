/* Camera URL functions over arbitrary bytes: validate, mask, unmask, encode.
 * The input is split at the first newline: before it the URL a client sends,
 * after it the URL stored before (the whole input is also tried alone). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STORED "rtsp://admin:st0red@10.0.0.5:554/Streaming/Channels/101"

static void check_encoded(const char *in, const char *enc)
{
    /* Only unreserved characters and %XX escapes, three bytes per escaped byte. */
    size_t want = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        bool keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        want += keep ? 1 : 3;
    }
    if (strlen(enc) != want)
        abort();
    for (const char *p = enc; *p; p++) {
        if (*p == ':' || *p == '@' || *p == '/' || *p == '?' || *p == '#' || *p == ' ')
            abort();
    }
}

static void one(const char *url, const char *stored)
{
    const char *reason = NULL;
    if (vg_url_validate(url, &reason) < 0 && !reason)
        abort();
    (void)vg_url_scheme_allowed(url);

    char *masked = vg_url_mask(url);
    if (!masked)
        abort(); /* only on allocation failure */
    /* Whatever was masked, unmasking against the original brings it back. */
    char *back = vg_url_unmask(masked, url);
    if (!back || strcmp(back, url) != 0)
        abort();
    free(back);

    /* A URL unmasked against itself is itself. */
    char *same = vg_url_unmask(url, url);
    if (!same || strcmp(same, url) != 0)
        abort();
    free(same);

    free(vg_url_unmask(url, stored));
    free(vg_url_unmask(url, STORED));
    free(vg_url_unmask(url, NULL));
    free(vg_url_unmask(masked, STORED));
    free(vg_url_unmask("rtsp://admin:" VG_MASK "@10.0.0.5/x", url));
    free(masked);

    char *enc = vg_url_encode_userinfo(url);
    if (!enc)
        abort();
    check_encoded(url, enc);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';

    one(buf, STORED);
    char *nl = memchr(buf, '\n', size);
    if (nl) {
        *nl = '\0';
        one(buf, nl + 1);
        one(nl + 1, buf);
    }
    free(buf);
    return 0;
}
