/* What an RTSP server (or anything on its port) can send the client: the
 * input is parsed as a byte stream of responses, requests and interleaved
 * frames, fed in two pieces at a point the first byte chooses, as the
 * WWW-Authenticate challenges in it, and as a URL with a control attribute.
 * Checked: no crash or hang, items never claim more bytes than given, answers
 * stay within their buffers. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtsp_auth.h"
#include "proto/rtsp_msg.h"
#include "proto/rtsp_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vg_rtsp_item item;

static void stream(const uint8_t *data, size_t size, size_t split)
{
    size_t have = split < size ? split : size, off = 0;
    for (int guard = 0; guard < 100000; guard++) {
        size_t used = 0;
        const char *error = NULL;
        int r = vg_rtsp_parse(data + off, have - off, &item, &used, &error);
        if (r == -EAGAIN && have < size) {
            have = size;
            continue;
        }
        if (r < 0)
            return;
        if (used == 0 || used > have - off)
            abort();
        off += used;
        if (item.kind != VG_RTSP_INTERLEAVED) {
            struct vg_span v, id;
            unsigned n;
            vg_rtsp_cseq(&item, &n);
            if (vg_rtsp_header(&item, "Session", &v) == 0)
                vg_rtsp_session(v, &id, &n);
            struct vg_rtsp_auth a = {0};
            for (size_t i = 0; i < item.n_headers; i++)
                vg_rtsp_auth_challenge(&a, item.headers[i].value);
            char out[1024];
            if (vg_rtsp_auth_answer(&a, "user", "pass", "DESCRIBE", "rtsp://h/s", out,
                                    sizeof(out)) == 0 &&
                strlen(out) >= sizeof(out))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    stream(data + 1, size - 1, data[0] * (size - 1) / 255);

    char text[4096];
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    struct vg_rtsp_auth a = {0};
    vg_rtsp_auth_challenge(&a, (struct vg_span){text, n});

    char *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    struct vg_rtsp_url u;
    const char *error;
    if (vg_rtsp_url_parse(text, &u, &error) == 0 && nl) {
        char out[VG_RTSP_URL_MAX];
        vg_rtsp_url_control(u.url, (struct vg_span){nl + 1, strlen(nl + 1)}, out, sizeof(out));
    }
    return 0;
}
