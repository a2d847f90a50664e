/* The small text helpers the SDP and RTSP parsers share. */
#include <criterion/criterion.h>
#include <string.h>

#include "proto/span.h"

static struct vg_span sp(const char *s)
{
    return (struct vg_span){s, strlen(s)};
}

Test(span, trim_drops_blanks_at_both_ends_only)
{
    cr_expect(vg_span_eq(vg_span_trim(sp(" \ta b\t ")), "a b"));
    cr_expect_eq(vg_span_trim(sp("  ")).len, 0);
    cr_expect_eq(vg_span_trim(sp("")).len, 0);
}

Test(span, split_at_the_first_separator)
{
    struct vg_span head, tail;
    cr_assert(vg_span_split(sp("rtpmap:96 H264/90000"), ':', &head, &tail));
    cr_expect(vg_span_eq(head, "rtpmap"));
    cr_expect(vg_span_eq(tail, "96 H264/90000"));
    cr_expect_not(vg_span_split(sp("sendonly"), ':', &head, &tail));
    cr_expect_not(vg_span_split(sp(""), ':', &head, &tail));
}

Test(span, tokens_are_blank_separated)
{
    struct vg_span s = sp("  a bb\tccc  "), t;
    size_t cur = 0;
    cr_assert(vg_span_next_token(s, &cur, &t));
    cr_expect(vg_span_eq(t, "a"));
    cr_assert(vg_span_next_token(s, &cur, &t));
    cr_expect(vg_span_eq(t, "bb"));
    cr_assert(vg_span_next_token(s, &cur, &t));
    cr_expect(vg_span_eq(t, "ccc"));
    cr_expect_not(vg_span_next_token(s, &cur, &t));
}

Test(span, numbers_are_digits_within_the_limit)
{
    uint32_t v = 0;
    cr_expect(vg_span_uint(sp("90000"), 0xffffffffu, &v));
    cr_expect_eq(v, 90000);
    cr_expect(vg_span_uint(sp("4294967295"), 0xffffffffu, &v));
    cr_expect_eq(v, 4294967295u);
    cr_expect_not(vg_span_uint(sp("4294967296"), 0xffffffffu, &v));
    cr_expect_not(vg_span_uint(sp("128"), 127, &v));
    cr_expect_not(vg_span_uint(sp("-1"), 127, &v));
    cr_expect_not(vg_span_uint(sp(" 1"), 127, &v));
    cr_expect_not(vg_span_uint(sp(""), 127, &v));
}
