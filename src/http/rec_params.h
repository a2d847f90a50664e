/* Inputs of the recordings API that are not JSON: moments in time and the
 * HTTP Range header. Pure; any input is safe (fuzzed). */
#pragma once

#include <stdint.h>

/* The latest moment accepted: the year 9999. */
#define VG_TIME_MS_MAX 253402300799999LL

/* A moment as Unix milliseconds ("1795000000000") or an RFC 3339 date-time
 * with a zone ("2026-11-21T10:00:00Z", "2026-11-21T11:00:00.250+01:00";
 * 't', 'z' and a space for 'T' accepted). Returns 0 or -EINVAL. */
int vg_parse_time_ms(const char *s, int64_t *ret_ms);

/* One byte range of a resource of size bytes: "bytes=A-B", "bytes=A-" or
 * "bytes=-N" (the last N). Returns 0 with the inclusive [*ret_first,
 * *ret_last], -EINVAL for a header that is not one such range (the whole
 * resource is then sent), or -ERANGE when it lies outside (416). */
int vg_parse_range(const char *header, uint64_t size, uint64_t *ret_first, uint64_t *ret_last);
