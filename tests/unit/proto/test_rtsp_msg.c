/* RTSP framing: responses, server requests and interleaved frames mixed on one
 * connection, split anywhere; damaged and oversized input refused cleanly. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rtsp_msg.h"

static int parse(const char *s, size_t len, struct vg_rtsp_item *m, size_t *used)
{
    const char *error = NULL;
    return vg_rtsp_parse((const uint8_t *)s, len, m, used, &error);
}

static const char describe_answer[] = "RTSP/1.0 200 OK\r\n"
                                      "CSeq: 3\r\n"
                                      "Content-Base: rtsp://10.0.0.5/stream1/\r\n"
                                      "Content-Type: application/sdp\r\n"
                                      "Content-Length: 10\r\n"
                                      "\r\n"
                                      "v=0\r\ns=x\r\n";

Test(rtsp_msg, parses_a_response_with_body)
{
    struct vg_rtsp_item m;
    size_t used = 0;
    cr_assert_eq(parse(describe_answer, strlen(describe_answer), &m, &used), 0);
    cr_expect_eq(used, strlen(describe_answer));
    cr_expect_eq(m.kind, VG_RTSP_RESPONSE);
    cr_expect_eq(m.status, 200);
    cr_expect(vg_span_eq(m.reason, "OK"));
    unsigned cseq = 0;
    cr_expect_eq(vg_rtsp_cseq(&m, &cseq), 0);
    cr_expect_eq(cseq, 3);
    struct vg_span v;
    cr_expect_eq(vg_rtsp_header(&m, "content-base", &v), 0);
    cr_expect(vg_span_eq(v, "rtsp://10.0.0.5/stream1/"));
    cr_expect(vg_span_eq(m.body, "v=0\r\ns=x\r\n"));
    cr_expect_eq(vg_rtsp_header(&m, "Session", &v), -ENOENT);
}

Test(rtsp_msg, waits_for_more_at_every_split_point)
{
    size_t len = strlen(describe_answer);
    for (size_t cut = 0; cut < len; cut++) {
        struct vg_rtsp_item m;
        size_t used = 0;
        cr_expect_eq(parse(describe_answer, cut, &m, &used), -EAGAIN, "cut at %zu", cut);
    }
}

Test(rtsp_msg, takes_interleaved_frames_between_messages)
{
    uint8_t buf[64] = {'$', 2, 0, 3, 0xaa, 0xbb, 0xcc};
    const char *resp = "RTSP/1.0 200 OK\nCSeq: 9\n\n"; /* bare LF line ends */
    memcpy(buf + 7, resp, strlen(resp));
    struct vg_rtsp_item m;
    size_t used = 0;
    const char *error;
    cr_assert_eq(vg_rtsp_parse(buf, 7 + strlen(resp), &m, &used, &error), 0);
    cr_expect_eq(m.kind, VG_RTSP_INTERLEAVED);
    cr_expect_eq(m.channel, 2);
    cr_expect_eq(m.len, 3);
    cr_expect_eq(m.data[2], 0xcc);
    cr_expect_eq(used, 7);
    cr_assert_eq(vg_rtsp_parse(buf + used, strlen(resp), &m, &used, &error), 0);
    cr_expect_eq(m.kind, VG_RTSP_RESPONSE);
    cr_expect_eq(m.n_headers, 1);
    cr_expect_eq(vg_rtsp_parse(buf, 3, &m, &used, &error), -EAGAIN);
    cr_expect_eq(vg_rtsp_parse(buf, 6, &m, &used, &error), -EAGAIN);
}

Test(rtsp_msg, parses_a_request_from_the_server)
{
    const char *s = "GET_PARAMETER rtsp://client/ RTSP/1.0\r\nCSeq: 12\r\n\r\n";
    struct vg_rtsp_item m;
    size_t used;
    cr_assert_eq(parse(s, strlen(s), &m, &used), 0);
    cr_expect_eq(m.kind, VG_RTSP_REQUEST);
    cr_expect(vg_span_eq(m.method, "GET_PARAMETER"));
    cr_expect(vg_span_eq(m.uri, "rtsp://client/"));
}

Test(rtsp_msg, refuses_what_is_not_rtsp)
{
    const char *bad[] = {
        "\x16\x03\x01\x02\x00garbage",        /* a TLS hello */
        "hello world\r\n\r\n",                /* lower case */
        "HTTP/1.1 200 OK\r\n\r\n",            /* an HTTP server */
        "RTSP/1.0 2000 OK\r\n\r\n",           /* status of 4 digits */
        "RTSP/1.0 abc OK\r\n\r\n",            /* not a number */
        "RTSP/1.0 200 OK\r\nNoColon\r\n\r\n", /* header without ':' */
        "RTSP/1.0 200 OK\r\n: empty\r\n\r\n", /* empty name */
        "RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",
        "RTSP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n",
        "RTSP/1.0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vg_rtsp_item m;
        size_t used;
        const char *error = NULL;
        int r = vg_rtsp_parse((const uint8_t *)bad[i], strlen(bad[i]), &m, &used, &error);
        cr_expect_eq(r, -EINVAL, "case %zu gave %d", i, r);
        cr_expect_not_null(error, "case %zu has no reason", i);
    }
}

Test(rtsp_msg, refuses_nul_bytes_in_the_head)
{
    const char s[] = "RTSP/1.0 200 OK\r\nCSeq: 1\0\r\n\r\n";
    struct vg_rtsp_item m;
    size_t used;
    cr_expect_eq(parse(s, sizeof(s) - 1, &m, &used), -EINVAL);
}

Test(rtsp_msg, refuses_a_head_that_never_ends)
{
    size_t len = VG_RTSP_MAX_HEAD + 10;
    char *s = malloc(len);
    memcpy(s, "RTSP/1.0 200 OK\r\n", 17);
    memset(s + 17, 'a', len - 17);
    struct vg_rtsp_item m;
    size_t used;
    cr_expect_eq(parse(s, len, &m, &used), -E2BIG);
    free(s);
}

Test(rtsp_msg, refuses_too_many_headers)
{
    char s[4096];
    size_t n = (size_t)snprintf(s, sizeof(s), "RTSP/1.0 200 OK\r\n");
    for (int i = 0; i < VG_RTSP_MAX_HEADERS + 1; i++)
        n += (size_t)snprintf(s + n, sizeof(s) - n, "X-A: b\r\n");
    snprintf(s + n, sizeof(s) - n, "\r\n");
    struct vg_rtsp_item m;
    size_t used;
    cr_expect_eq(parse(s, strlen(s), &m, &used), -E2BIG);
}

Test(rtsp_msg, reads_session_id_and_timeout)
{
    struct vg_span id;
    unsigned timeout = 9;
    const char *v = "47112344;timeout=60";
    cr_assert_eq(vg_rtsp_session((struct vg_span){v, strlen(v)}, &id, &timeout), 0);
    cr_expect(vg_span_eq(id, "47112344"));
    cr_expect_eq(timeout, 60);
    v = "abc";
    cr_assert_eq(vg_rtsp_session((struct vg_span){v, strlen(v)}, &id, &timeout), 0);
    cr_expect_eq(timeout, 0);
    v = "abc;timeout=x";
    cr_expect_eq(vg_rtsp_session((struct vg_span){v, strlen(v)}, &id, &timeout), -EINVAL);
    v = ";timeout=5";
    cr_expect_eq(vg_rtsp_session((struct vg_span){v, strlen(v)}, &id, &timeout), -EINVAL);
}
