/* CIDR matching (core/netaddr.c) and the small string helpers (core/util.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "core/netaddr.h"
#include "core/util.h"

/* ---- CIDR ---- */

Test(netaddr, ipv4_block_matches_addresses_inside)
{
    cr_expect(vg_cidr_match("10.0.0.0/8", "10.0.0.0"));
    cr_expect(vg_cidr_match("10.0.0.0/8", "10.255.1.2"));
    cr_expect(vg_cidr_match("10.0.0.0/8", "10.255.255.255"));
    cr_expect_not(vg_cidr_match("10.0.0.0/8", "11.0.0.0"));
    cr_expect_not(vg_cidr_match("10.0.0.0/8", "9.255.255.255"));
}

Test(netaddr, slash_24_boundaries)
{
    cr_expect(vg_cidr_match("192.168.1.0/24", "192.168.1.0"));
    cr_expect(vg_cidr_match("192.168.1.0/24", "192.168.1.255"));
    cr_expect_not(vg_cidr_match("192.168.1.0/24", "192.168.0.255"));
    cr_expect_not(vg_cidr_match("192.168.1.0/24", "192.168.2.0"));
}

Test(netaddr, prefixes_not_on_a_byte_boundary)
{
    cr_expect(vg_cidr_match("10.0.0.128/25", "10.0.0.128"));
    cr_expect(vg_cidr_match("10.0.0.128/25", "10.0.0.255"));
    cr_expect_not(vg_cidr_match("10.0.0.128/25", "10.0.0.127"));
    cr_expect(vg_cidr_match("172.16.0.0/12", "172.31.255.255"));
    cr_expect_not(vg_cidr_match("172.16.0.0/12", "172.32.0.0"));
    cr_expect_not(vg_cidr_match("172.16.0.0/12", "172.15.255.255"));
    cr_expect(vg_cidr_match("10.0.0.0/31", "10.0.0.1"));
    cr_expect_not(vg_cidr_match("10.0.0.0/31", "10.0.0.2"));
}

Test(netaddr, block_with_host_bits_set_matches_its_network)
{
    cr_expect(vg_cidr_match("192.168.1.77/24", "192.168.1.3"));
    cr_expect_not(vg_cidr_match("192.168.1.77/24", "192.168.2.77"));
}

Test(netaddr, slash_32_matches_one_address)
{
    cr_expect(vg_cidr_match("192.168.1.7/32", "192.168.1.7"));
    cr_expect_not(vg_cidr_match("192.168.1.7/32", "192.168.1.6"));
    cr_expect_not(vg_cidr_match("192.168.1.7/32", "192.168.1.8"));
}

Test(netaddr, bare_address_matches_itself_only)
{
    cr_expect(vg_cidr_match("192.168.1.7", "192.168.1.7"));
    cr_expect_not(vg_cidr_match("192.168.1.7", "192.168.1.70"));
    cr_expect(vg_cidr_match("::1", "::1"));
    cr_expect(vg_cidr_match("::1", "0:0:0:0:0:0:0:1"));
    cr_expect_not(vg_cidr_match("::1", "::2"));
}

Test(netaddr, slash_0_matches_every_address_of_its_family)
{
    cr_expect(vg_cidr_match("0.0.0.0/0", "1.2.3.4"));
    cr_expect(vg_cidr_match("0.0.0.0/0", "255.255.255.255"));
    cr_expect(vg_cidr_match("::/0", "2001:db8::1"));
    cr_expect(vg_cidr_match("::/0", "::"));
    cr_expect_not(vg_cidr_match("0.0.0.0/0", "::1"));
    cr_expect_not(vg_cidr_match("::/0", "1.2.3.4"));
}

Test(netaddr, ipv6_blocks)
{
    cr_expect(vg_cidr_match("fd00::/8", "fd12:3456::1"));
    cr_expect_not(vg_cidr_match("fd00::/8", "fc00::1"));
    cr_expect(vg_cidr_match("fe80::/10", "fe80::1"));
    cr_expect(vg_cidr_match("fe80::/10", "febf:ffff::1"));
    cr_expect_not(vg_cidr_match("fe80::/10", "fec0::1"));
    cr_expect(vg_cidr_match("2001:db8::/32", "2001:DB8:ffff::1"));
    cr_expect_not(vg_cidr_match("2001:db8::/32", "2001:db9::1"));
    cr_expect(vg_cidr_match("2001:db8::1/128", "2001:db8::1"));
    cr_expect_not(vg_cidr_match("2001:db8::1/128", "2001:db8::2"));
}

Test(netaddr, families_never_match_each_other)
{
    cr_expect_not(vg_cidr_match("10.0.0.0/8", "::ffff:10.0.0.1"));
    cr_expect_not(vg_cidr_match("::ffff:10.0.0.1", "10.0.0.1"));
    cr_expect_not(vg_cidr_match("127.0.0.1", "::1"));
}

Test(netaddr, garbage_never_matches)
{
    cr_expect_not(vg_cidr_match(NULL, "10.0.0.1"));
    cr_expect_not(vg_cidr_match("10.0.0.0/8", NULL));
    cr_expect_not(vg_cidr_match("", ""));
    cr_expect_not(vg_cidr_match("10.0.0.0/8", ""));
    cr_expect_not(vg_cidr_match("10.0.0.0/8", "unknown"));
    cr_expect_not(vg_cidr_match("10.0.0.0/8", "10.0.0.1/32"));
    cr_expect_not(vg_cidr_match("10.0.0.0/8", "10.0.0.1 "));
    cr_expect_not(vg_cidr_match("10.0.0.0/8", "10.0.0.256"));
    cr_expect_not(vg_cidr_match("10.0.0.0/33", "10.0.0.1"));
    cr_expect_not(vg_cidr_match("garbage", "garbage"));
}

Test(netaddr, valid_accepts_addresses_and_blocks)
{
    cr_expect(vg_cidr_valid("10.0.0.0/8"));
    cr_expect(vg_cidr_valid("192.168.1.7"));
    cr_expect(vg_cidr_valid("0.0.0.0/0"));
    cr_expect(vg_cidr_valid("10.1.2.3/32"));
    cr_expect(vg_cidr_valid("::1"));
    cr_expect(vg_cidr_valid("fe80::/10"));
    cr_expect(vg_cidr_valid("::/0"));
    cr_expect(vg_cidr_valid("2001:db8::/128"));
    cr_expect(vg_cidr_valid("::ffff:10.0.0.1"));
}

Test(netaddr, valid_refuses_garbage)
{
    cr_expect_not(vg_cidr_valid(NULL));
    cr_expect_not(vg_cidr_valid(""));
    cr_expect_not(vg_cidr_valid("/8"));
    cr_expect_not(vg_cidr_valid("10.0.0.0/"));
    cr_expect_not(vg_cidr_valid("10.0.0.0/33"));
    cr_expect_not(vg_cidr_valid("10.0.0.0/-1"));
    cr_expect_not(vg_cidr_valid("10.0.0.0/8x"));
    cr_expect_not(vg_cidr_valid("10.0.0.0/8/8"));
    cr_expect_not(vg_cidr_valid("10.0.0.0/99999999999999999999999"));
    cr_expect_not(vg_cidr_valid("::/129"));
    cr_expect_not(vg_cidr_valid("10.0.0"));
    cr_expect_not(vg_cidr_valid("10.0.0.0.0"));
    cr_expect_not(vg_cidr_valid("localhost"));
    cr_expect_not(vg_cidr_valid("[::1]"));
    cr_expect_not(vg_cidr_valid("1.2.3.4, 5.6.7.8"));
}

Test(netaddr, valid_refuses_overlong_text)
{
    char s[200];
    memset(s, '1', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    cr_expect_not(vg_cidr_valid(s));
    cr_expect_not(vg_cidr_match(s, "10.0.0.1"));
}

/* ---- slugs ---- */

Test(util, slug_valid_accepts_lowercase_digits_and_inner_dashes)
{
    cr_expect(vg_slug_valid("a"));
    cr_expect(vg_slug_valid("7"));
    cr_expect(vg_slug_valid("front-door"));
    cr_expect(vg_slug_valid("cam-01-b"));
    cr_expect(vg_slug_valid("2nd-floor"));
}

Test(util, slug_valid_refuses_other_characters)
{
    cr_expect_not(vg_slug_valid(NULL));
    cr_expect_not(vg_slug_valid(""));
    cr_expect_not(vg_slug_valid("Front"));
    cr_expect_not(vg_slug_valid("front door"));
    cr_expect_not(vg_slug_valid("front_door"));
    cr_expect_not(vg_slug_valid("front.sub"));
    cr_expect_not(vg_slug_valid("../etc"));
    cr_expect_not(vg_slug_valid("a/b"));
    cr_expect_not(vg_slug_valid("caf\xc3\xa9"));
}

Test(util, slug_valid_refuses_leading_and_trailing_dash)
{
    cr_expect_not(vg_slug_valid("-a"));
    cr_expect_not(vg_slug_valid("a-"));
    cr_expect_not(vg_slug_valid("-"));
}

Test(util, slug_valid_accepts_63_characters_and_refuses_64)
{
    char s[VG_SLUG_MAX + 1];
    memset(s, 'a', VG_SLUG_MAX - 1);
    s[VG_SLUG_MAX - 1] = '\0';
    cr_expect(vg_slug_valid(s));
    s[VG_SLUG_MAX - 1] = 'a';
    s[VG_SLUG_MAX] = '\0';
    cr_expect_not(vg_slug_valid(s));
}

static void expect_slug(const char *name, const char *want)
{
    char out[VG_SLUG_MAX];
    cr_assert_eq(vg_slug_from_name(name, out, sizeof(out)), 0, "slug of '%s'", name);
    cr_expect_str_eq(out, want, "slug of '%s'", name);
    cr_expect(vg_slug_valid(out), "slug '%s' of '%s' is not valid", out, name);
}

Test(util, slug_from_name_lowercases_and_joins_words_with_dashes)
{
    expect_slug("Front Door #2", "front-door-2");
    expect_slug("front-door", "front-door");
    expect_slug("Parking_Lot.North", "parking-lot-north");
    expect_slug("A", "a");
}

Test(util, slug_from_name_drops_leading_trailing_and_repeated_separators)
{
    expect_slug("  --Hello   World!!  ", "hello-world");
    expect_slug("__x__", "x");
}

Test(util, slug_from_name_drops_non_ascii_bytes)
{
    expect_slug("Caf\xc3\xa9 Nord", "caf-nord");
}

Test(util, slug_from_name_refuses_names_without_letters_or_digits)
{
    char out[VG_SLUG_MAX] = "untouched";
    cr_expect_eq(vg_slug_from_name("", out, sizeof(out)), -EINVAL);
    cr_expect_eq(vg_slug_from_name("#!? --", out, sizeof(out)), -EINVAL);
    cr_expect_eq(vg_slug_from_name("\xc3\xa9\xc3\xa9", out, sizeof(out)), -EINVAL);
    cr_expect_eq(vg_slug_from_name(NULL, out, sizeof(out)), -EINVAL);
}

Test(util, slug_from_name_cuts_long_names_to_a_valid_slug)
{
    char name[300];
    memset(name, 'b', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    char out[VG_SLUG_MAX];
    cr_assert_eq(vg_slug_from_name(name, out, sizeof(out)), 0);
    cr_expect_eq(strlen(out), VG_SLUG_MAX - 1);
    cr_expect(vg_slug_valid(out));
}

Test(util, slug_from_name_never_ends_with_a_dash_at_the_length_limit)
{
    /* Words of every length around the limit: a separator must never be the last byte. */
    for (size_t first = 55; first < 70; first++) {
        char name[128];
        memset(name, 'x', first);
        memcpy(name + first, " yz q", 6);
        char out[VG_SLUG_MAX];
        cr_assert_eq(vg_slug_from_name(name, out, sizeof(out)), 0);
        cr_expect(vg_slug_valid(out), "slug '%s' (first word %zu) is not valid", out, first);
    }
}

Test(util, slug_from_name_respects_a_small_output_buffer)
{
    char out[4];
    cr_assert_eq(vg_slug_from_name("abcdef", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "abc");
    cr_expect_eq(vg_slug_from_name("abc", out, 1), -EINVAL);
}

/* ---- strlcpy ---- */

Test(util, strlcpy_copies_what_fits)
{
    char out[6];
    cr_expect_eq(vg_strlcpy(out, sizeof(out), "hello"), 0);
    cr_expect_str_eq(out, "hello");
    cr_expect_eq(vg_strlcpy(out, sizeof(out), ""), 0);
    cr_expect_str_eq(out, "");
}

Test(util, strlcpy_truncates_and_reports_it)
{
    char out[4];
    cr_expect_eq(vg_strlcpy(out, sizeof(out), "hello"), -ENOSPC);
    cr_expect_str_eq(out, "hel");
    cr_expect_eq(vg_strlcpy(out, sizeof(out), "abcd"), -ENOSPC);
    cr_expect_str_eq(out, "abc");
}

Test(util, strlcpy_into_nothing_writes_nothing)
{
    char out[2] = {'#', '#'};
    cr_expect_eq(vg_strlcpy(out, 0, "x"), -ENOSPC);
    cr_expect_eq(out[0], '#');
    cr_expect_eq(vg_strlcpy(out, 1, "x"), -ENOSPC);
    cr_expect_eq(out[0], '\0');
    cr_expect_eq(out[1], '#');
}

/* ---- text ---- */

Test(util, text_clean_accepts_printable_ascii_and_utf8)
{
    cr_expect(vg_text_clean("", 10));
    cr_expect(vg_text_clean("Front door #2 (east)", 100));
    cr_expect(vg_text_clean("Caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x93\xb7", 100));
}

Test(util, text_clean_refuses_control_characters)
{
    cr_expect_not(vg_text_clean("a\nb", 100));
    cr_expect_not(vg_text_clean("a\rb", 100));
    cr_expect_not(vg_text_clean("a\tb", 100));
    cr_expect_not(vg_text_clean("\x1b[31mred", 100));
    cr_expect_not(vg_text_clean("del\x7f", 100));
}

Test(util, text_clean_refuses_text_longer_than_maxlen)
{
    cr_expect(vg_text_clean("abc", 4));
    cr_expect(vg_text_clean("abc", 3));
    cr_expect_not(vg_text_clean("abcd", 3));
}

/* The header promises valid UTF-8: a stray byte must not reach logs, the audit
 * table or JSON output (jansson refuses to encode it). */
Test(util, text_clean_refuses_invalid_utf8)
{
    cr_expect_not(vg_text_clean("\xff", 100));
    cr_expect_not(vg_text_clean("caf\xc3", 100));
    cr_expect_not(vg_text_clean("\xc0\xaf", 100));
    cr_expect_not(vg_text_clean("\x80x", 100));
}

Test(util, time_format_is_rfc3339_utc)
{
    char out[32];
    vg_time_format(0, out, sizeof(out));
    cr_expect_str_eq(out, "1970-01-01T00:00:00Z");
    vg_time_format(1700000000, out, sizeof(out));
    cr_expect_str_eq(out, "2023-11-14T22:13:20Z");
}

Test(util, time_format_ms_keeps_the_milliseconds)
{
    char out[48];
    vg_time_format_ms(0, out, sizeof(out));
    cr_expect_str_eq(out, "1970-01-01T00:00:00.000Z");
    vg_time_format_ms(1700000000250LL, out, sizeof(out));
    cr_expect_str_eq(out, "2023-11-14T22:13:20.250Z");
    vg_time_format_ms(1700000000999LL, out, sizeof(out));
    cr_expect_str_eq(out, "2023-11-14T22:13:20.999Z");
    vg_time_format_ms(-5, out, sizeof(out));
    cr_expect_str_eq(out, "-5", "a time before 1970 is shown as the number it is");
}

Test(util, disk_space_of_a_directory_and_of_nothing)
{
    uint64_t total = 0, avail = 0;
    cr_assert_eq(vg_disk_space("/", &total, &avail), 0);
    cr_expect_gt(total, 0);
    cr_expect_leq(avail, total);
    total = avail = 7;
    cr_expect_eq(vg_disk_space("/no/such/directory", &total, &avail), -ENOENT);
    cr_expect_eq(total, 7, "outputs untouched on failure");
}
