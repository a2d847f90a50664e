/* The recordings API's non-JSON inputs (http/rec_params.c): moments as Unix
 * milliseconds or RFC 3339, and the HTTP Range header. Expected moments are
 * computed here with timegm(), independently of the parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/rec_params.h"

#define UNSET INT64_C(-777)

/* Unix ms of a UTC civil time, by the C library. */
static int64_t utc_ms(int y, int mo, int d, int h, int mi, int s, int ms)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    time_t t = timegm(&tm);
    cr_assert_neq(t, (time_t)-1);
    return (int64_t)t * 1000 + ms;
}

static int64_t parse_ok(const char *s)
{
    int64_t ms = UNSET;
    cr_assert_eq(vg_parse_time_ms(s, &ms), 0, "\"%s\" should parse", s);
    return ms;
}

static void expect_time_refused(const char *s)
{
    int64_t ms = UNSET;
    cr_expect_eq(vg_parse_time_ms(s, &ms), -EINVAL, "\"%s\" should be refused", s ? s : "(null)");
    cr_expect_eq(ms, UNSET, "output written for refused \"%s\"", s ? s : "(null)");
}

/* ---- Unix milliseconds ---- */

Test(rec_params, unix_ms_is_taken_as_is)
{
    cr_expect_eq(parse_ok("0"), 0);
    cr_expect_eq(parse_ok("1"), 1);
    cr_expect_eq(parse_ok("1795000000000"), INT64_C(1795000000000));
    cr_expect_eq(parse_ok("000000000000000042"), 42); /* 18 digits */
}

Test(rec_params, unix_ms_up_to_the_end_of_year_9999)
{
    cr_expect_eq(parse_ok("253402300799999"), VG_TIME_MS_MAX);
    cr_expect_eq(VG_TIME_MS_MAX, utc_ms(9999, 12, 31, 23, 59, 59, 999));
    expect_time_refused("253402300800000");
    expect_time_refused("999999999999999999"); /* 18 digits, beyond the max */
}

Test(rec_params, unix_ms_with_19_digits_or_more_is_refused)
{
    expect_time_refused("0000000000000000001");
    expect_time_refused("9223372036854775807");
    expect_time_refused("18446744073709551616");
    expect_time_refused("99999999999999999999999999999999999999");
}

Test(rec_params, signs_spaces_and_trailing_junk_are_refused)
{
    expect_time_refused("-1");
    expect_time_refused("-1000");
    expect_time_refused("+1000");
    expect_time_refused(" 1000");
    expect_time_refused("1000 ");
    expect_time_refused("1000ms");
    expect_time_refused("1000.5");
    expect_time_refused("1e3");
    expect_time_refused("0x10");
}

Test(rec_params, empty_null_and_garbage_are_refused)
{
    expect_time_refused(NULL);
    expect_time_refused("");
    expect_time_refused("now");
    expect_time_refused("yesterday");
    expect_time_refused("-");
    expect_time_refused("T");
    expect_time_refused("\xff\xfe");
}

/* ---- RFC 3339 ---- */

Test(rec_params, rfc3339_utc)
{
    cr_expect_eq(parse_ok("2026-11-21T10:00:00Z"), utc_ms(2026, 11, 21, 10, 0, 0, 0));
    cr_expect_eq(parse_ok("1970-01-01T00:00:00Z"), 0);
    cr_expect_eq(parse_ok("2000-01-01T00:00:00Z"), INT64_C(946684800000));
    cr_expect_eq(parse_ok("2038-01-19T03:14:08Z"), INT64_C(2147483648000));
}

Test(rec_params, rfc3339_lower_case_t_and_z_and_a_space_separator)
{
    int64_t want = utc_ms(2026, 11, 21, 10, 0, 0, 0);
    cr_expect_eq(parse_ok("2026-11-21t10:00:00z"), want);
    cr_expect_eq(parse_ok("2026-11-21 10:00:00Z"), want);
    cr_expect_eq(parse_ok("2026-11-21T10:00:00z"), want);
    cr_expect_eq(parse_ok("2026-11-21 10:00:00+00:00"), want);
}

Test(rec_params, rfc3339_offsets_are_subtracted)
{
    int64_t want = utc_ms(2026, 11, 21, 10, 0, 0, 250);
    cr_expect_eq(parse_ok("2026-11-21T11:00:00.250+01:00"), want);
    cr_expect_eq(parse_ok("2026-11-21T05:30:00.250-04:30"), want);
    cr_expect_eq(parse_ok("2026-11-21T10:00:00.250-00:00"), want);
    /* Offsets move across the day, month and year. */
    cr_expect_eq(parse_ok("2027-01-01T09:59:00+23:59"), utc_ms(2026, 12, 31, 10, 0, 0, 0));
    cr_expect_eq(parse_ok("2026-12-31T23:00:00-02:00"), utc_ms(2027, 1, 1, 1, 0, 0, 0));
}

Test(rec_params, rfc3339_bad_offsets_are_refused)
{
    expect_time_refused("2026-11-21T10:00:00+24:00");
    expect_time_refused("2026-11-21T10:00:00+01:60");
    expect_time_refused("2026-11-21T10:00:00+0100");
    expect_time_refused("2026-11-21T10:00:00+01");
    expect_time_refused("2026-11-21T10:00:00+1:00");
    expect_time_refused("2026-11-21T10:00:00+01:0");
    expect_time_refused("2026-11-21T10:00:00+");
    expect_time_refused("2026-11-21T10:00:00 +01:00");
    expect_time_refused("2026-11-21T10:00:00UTC");
    expect_time_refused("2026-11-21T10:00:00"); /* no zone */
    expect_time_refused("2026-11-21T10:00:00ZZ");
}

Test(rec_params, rfc3339_fractions_of_one_to_nine_digits_keep_the_milliseconds)
{
    int64_t base = utc_ms(2026, 11, 21, 10, 0, 0, 0);
    cr_expect_eq(parse_ok("2026-11-21T10:00:00.1Z"), base + 100);
    cr_expect_eq(parse_ok("2026-11-21T10:00:00.12Z"), base + 120);
    cr_expect_eq(parse_ok("2026-11-21T10:00:00.123Z"), base + 123);
    cr_expect_eq(parse_ok("2026-11-21T10:00:00.1239Z"), base + 123); /* truncated */
    cr_expect_eq(parse_ok("2026-11-21T10:00:00.999999999Z"), base + 999);
    cr_expect_eq(parse_ok("2026-11-21T10:00:00.000000001Z"), base);
    cr_expect_eq(parse_ok("2026-11-21T10:00:00.05+00:00"), base + 50);
}

Test(rec_params, rfc3339_empty_or_overlong_fractions_are_refused)
{
    expect_time_refused("2026-11-21T10:00:00.Z");
    expect_time_refused("2026-11-21T10:00:00.1234567890Z");
    expect_time_refused("2026-11-21T10:00:00.12345678901234567890Z");
    expect_time_refused("2026-11-21T10:00:00,5Z");
    expect_time_refused("2026-11-21T10:00:00.5.5Z");
}

Test(rec_params, rfc3339_leap_years)
{
    cr_expect_eq(parse_ok("2028-02-29T12:00:00Z"), utc_ms(2028, 2, 29, 12, 0, 0, 0));
    cr_expect_eq(parse_ok("2000-02-29T00:00:00Z"), utc_ms(2000, 2, 29, 0, 0, 0, 0));
    cr_expect_eq(parse_ok("2400-02-29T00:00:00Z"), utc_ms(2400, 2, 29, 0, 0, 0, 0));
    expect_time_refused("2026-02-29T12:00:00Z");
    expect_time_refused("2100-02-29T00:00:00Z"); /* divisible by 100, not by 400 */
    expect_time_refused("2028-02-30T00:00:00Z");
}

Test(rec_params, rfc3339_days_of_each_month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++) {
        char s[40];
        snprintf(s, sizeof(s), "2026-%02d-%02dT23:59:59Z", m, days[m - 1]);
        cr_expect_eq(parse_ok(s), utc_ms(2026, m, days[m - 1], 23, 59, 59, 0), "%s", s);
        snprintf(s, sizeof(s), "2026-%02d-%02dT00:00:00Z", m, days[m - 1] + 1);
        expect_time_refused(s);
    }
}

Test(rec_params, rfc3339_leap_second_is_the_next_second)
{
    cr_expect_eq(parse_ok("2026-06-30T23:59:60Z"), utc_ms(2026, 7, 1, 0, 0, 0, 0));
    cr_expect_eq(parse_ok("2026-12-31T23:59:60.500Z"), utc_ms(2027, 1, 1, 0, 0, 0, 500));
    expect_time_refused("2026-06-30T23:59:61Z");
}

Test(rec_params, rfc3339_out_of_range_fields_are_refused)
{
    expect_time_refused("2026-00-10T00:00:00Z");
    expect_time_refused("2026-13-10T00:00:00Z");
    expect_time_refused("2026-04-00T00:00:00Z");
    expect_time_refused("2026-04-31T00:00:00Z");
    expect_time_refused("2026-04-10T24:00:00Z");
    expect_time_refused("2026-04-10T23:60:00Z");
    expect_time_refused("2026-04-10T99:99:99Z");
}

Test(rec_params, rfc3339_wrong_shapes_are_refused)
{
    expect_time_refused("2026-11-21");
    expect_time_refused("2026-11-21T");
    expect_time_refused("2026-11-21T10:00Z");
    expect_time_refused("2026-11-21T10:00:0Z");
    expect_time_refused("2026-1-21T10:00:00Z");
    expect_time_refused("26-11-21T10:00:00Z");
    expect_time_refused("02026-11-21T10:00:00Z");
    expect_time_refused("2026/11/21T10:00:00Z");
    expect_time_refused("2026-11-21X10:00:00Z");
    expect_time_refused("2026-11-21_10:00:00Z");
    expect_time_refused("2026-11-21T10-00-00Z");
    expect_time_refused("2026-11-21T10:00:00Z ");
    expect_time_refused("2026-11-21T10:00:00Zjunk");
    expect_time_refused(" 2026-11-21T10:00:00Z");
    expect_time_refused("+2026-11-21T10:00:00Z");
    expect_time_refused("-2026-11-21T10:00:00Z");
    expect_time_refused("2026-+1-21T10:00:00Z");
    expect_time_refused("2026-11-21T+1:00:00Z");
}

Test(rec_params, a_nul_inside_the_text_ends_it)
{
    /* What follows a NUL is never read: the prefix alone decides. */
    cr_expect_eq(parse_ok("1000\0junk"), 1000);
    expect_time_refused("2026-11-21T10:00\0:00Z");
}

Test(rec_params, rfc3339_year_9999_is_the_last)
{
    cr_expect_eq(parse_ok("9999-12-31T23:59:59.999Z"), VG_TIME_MS_MAX);
    cr_expect_eq(parse_ok("9999-12-31T23:59:59.999999999Z"), VG_TIME_MS_MAX);
    cr_expect_eq(parse_ok("9999-12-31T23:59:59.999+01:00"), VG_TIME_MS_MAX - 3600 * 1000);
    /* Past the max once the offset is applied. */
    expect_time_refused("9999-12-31T23:59:59.999-00:01");
    expect_time_refused("9999-12-31T23:59:60Z");
}

Test(rec_params, rfc3339_before_1970_is_refused)
{
    expect_time_refused("1969-12-31T23:59:59Z");
    expect_time_refused("0000-01-01T00:00:00Z");
    expect_time_refused("1970-01-01T00:59:59+01:00");
    expect_time_refused("1970-01-01T00:00:00.999+00:01");
    cr_expect_eq(parse_ok("1970-01-01T01:00:00+01:00"), 0);
}

/* ---- Range ---- */

#define UNSET_U UINT64_C(0xdeadbeef)

struct range {
    int r;
    uint64_t first, last;
};

static struct range range(const char *h, uint64_t size)
{
    struct range o = {.first = UNSET_U, .last = UNSET_U};
    o.r = vg_parse_range(h, size, &o.first, &o.last);
    if (o.r < 0) {
        cr_expect_eq(o.first, UNSET_U, "first written on failure for \"%s\"", h ? h : "(null)");
        cr_expect_eq(o.last, UNSET_U, "last written on failure for \"%s\"", h ? h : "(null)");
    }
    return o;
}

static void expect_range(const char *h, uint64_t size, uint64_t first, uint64_t last)
{
    struct range o = range(h, size);
    cr_expect_eq(o.r, 0, "\"%s\" of %llu: %d", h, (unsigned long long)size, o.r);
    cr_expect_eq(o.first, first, "\"%s\" of %llu: first %llu", h, (unsigned long long)size,
                 (unsigned long long)o.first);
    cr_expect_eq(o.last, last, "\"%s\" of %llu: last %llu", h, (unsigned long long)size,
                 (unsigned long long)o.last);
}

static void expect_range_error(const char *h, uint64_t size, int err)
{
    struct range o = range(h, size);
    cr_expect_eq(o.r, err, "\"%s\" of %llu: %d, want %d", h ? h : "(null)",
                 (unsigned long long)size, o.r, err);
}

Test(rec_params, range_first_to_last)
{
    expect_range("bytes=0-99", 1000, 0, 99);
    expect_range("bytes=100-199", 1000, 100, 199);
    expect_range("bytes=0-0", 1000, 0, 0);
    expect_range("bytes=999-999", 1000, 999, 999);
    expect_range("bytes=0-999", 1000, 0, 999);
    expect_range("bytes=0-0", 1, 0, 0);
}

Test(rec_params, range_last_beyond_the_size_is_clamped)
{
    expect_range("bytes=0-1000", 1000, 0, 999);
    expect_range("bytes=500-99999999", 1000, 500, 999);
    expect_range("bytes=0-999999999999999999", 10, 0, 9); /* 18 digits */
    expect_range("bytes=0-5", 1, 0, 0);
}

Test(rec_params, range_open_ended)
{
    expect_range("bytes=0-", 1000, 0, 999);
    expect_range("bytes=999-", 1000, 999, 999);
    expect_range("bytes=10-", 11, 10, 10);
}

Test(rec_params, range_suffix_takes_the_last_bytes)
{
    expect_range("bytes=-1", 1000, 999, 999);
    expect_range("bytes=-100", 1000, 900, 999);
    expect_range("bytes=-1000", 1000, 0, 999);
    expect_range("bytes=-1001", 1000, 0, 999);
    expect_range("bytes=-999999999999999999", 1000, 0, 999);
    expect_range("bytes=-1", 1, 0, 0);
}

Test(rec_params, range_of_the_largest_sizes)
{
    expect_range("bytes=-5", UINT64_MAX, UINT64_MAX - 5, UINT64_MAX - 1);
    expect_range("bytes=999999999999999999-", UINT64_MAX, UINT64_C(999999999999999999),
                 UINT64_MAX - 1);
    expect_range("bytes=0-", UINT64_MAX, 0, UINT64_MAX - 1);
}

Test(rec_params, range_starting_at_or_past_the_end_is_unsatisfiable)
{
    expect_range_error("bytes=1000-", 1000, -ERANGE);
    expect_range_error("bytes=1000-1000", 1000, -ERANGE);
    expect_range_error("bytes=5000-6000", 1000, -ERANGE);
    expect_range_error("bytes=999999999999999999-", 1000, -ERANGE);
}

Test(rec_params, range_empty_suffix_is_unsatisfiable)
{
    expect_range_error("bytes=-0", 1000, -ERANGE);
    expect_range_error("bytes=-000", 1000, -ERANGE);
}

Test(rec_params, every_range_of_an_empty_resource_is_unsatisfiable)
{
    expect_range_error("bytes=0-", 0, -ERANGE);
    expect_range_error("bytes=0-0", 0, -ERANGE);
    expect_range_error("bytes=0-100", 0, -ERANGE);
    expect_range_error("bytes=-1", 0, -ERANGE);
    expect_range_error("bytes=-100", 0, -ERANGE);
}

Test(rec_params, range_ending_before_it_starts_is_ignored)
{
    /* RFC 9110: an invalid range is ignored, the whole resource is sent. */
    expect_range_error("bytes=10-9", 1000, -EINVAL);
    expect_range_error("bytes=999-0", 1000, -EINVAL);
    expect_range_error("bytes=5000-10", 1000, -EINVAL);
}

Test(rec_params, several_ranges_are_ignored)
{
    expect_range_error("bytes=0-1,5-6", 1000, -EINVAL);
    expect_range_error("bytes=0-1, 5-6", 1000, -EINVAL);
    expect_range_error("bytes=-5,0-1", 1000, -EINVAL);
    expect_range_error("bytes=0-,", 1000, -EINVAL);
    expect_range_error("bytes=0-1,", 1000, -EINVAL);
}

Test(rec_params, malformed_ranges_are_ignored)
{
    expect_range_error(NULL, 1000, -EINVAL);
    expect_range_error("", 1000, -EINVAL);
    expect_range_error("bytes", 1000, -EINVAL);
    expect_range_error("bytes=", 1000, -EINVAL);
    expect_range_error("bytes=-", 1000, -EINVAL);
    expect_range_error("bytes=--1", 1000, -EINVAL);
    expect_range_error("bytes=0", 1000, -EINVAL);
    expect_range_error("bytes=a-b", 1000, -EINVAL);
    expect_range_error("bytes=0-b", 1000, -EINVAL);
    expect_range_error("bytes=0-1-2", 1000, -EINVAL);
    expect_range_error("bytes=0x10-", 1000, -EINVAL);
    expect_range_error("bytes=+1-2", 1000, -EINVAL);
    expect_range_error("bytes=1--2", 1000, -EINVAL);
    expect_range_error("bytes 0-1", 1000, -EINVAL);
    expect_range_error("bytes:0-1", 1000, -EINVAL);
    expect_range_error("items=0-1", 1000, -EINVAL);
    expect_range_error("=0-1", 1000, -EINVAL);
    expect_range_error("0-1", 1000, -EINVAL);
}

Test(rec_params, range_whitespace)
{
    /* Spaces right after '=' are skipped; anywhere else they spoil the range. */
    expect_range("bytes= 0-9", 1000, 0, 9);
    expect_range("bytes=   -10", 1000, 990, 999);
    expect_range_error(" bytes=0-9", 1000, -EINVAL);
    expect_range_error("bytes =0-9", 1000, -EINVAL);
    expect_range_error("bytes=0 -9", 1000, -EINVAL);
    expect_range_error("bytes=0- 9", 1000, -EINVAL);
    expect_range_error("bytes=0-9 ", 1000, -EINVAL);
    expect_range_error("bytes=- 9", 1000, -EINVAL);
    expect_range_error("bytes=\t0-9", 1000, -EINVAL);
    expect_range_error("bytes=0-9\r\n", 1000, -EINVAL);
}

Test(rec_params, range_numbers_of_19_digits_or_more_are_refused)
{
    expect_range_error("bytes=0-1000000000000000000", 1000, -EINVAL);
    expect_range_error("bytes=0-0000000000000000009", 1000, -EINVAL);
    expect_range_error("bytes=1000000000000000000-", UINT64_MAX, -EINVAL);
    expect_range_error("bytes=-1000000000000000000", 1000, -EINVAL);
    expect_range_error("bytes=-18446744073709551616", 1000, -EINVAL);
    expect_range_error("bytes=0-99999999999999999999999999999999999999999", 1000, -EINVAL);
}
