/* Small helpers shared by every module: strings, times, the disk. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_SLUG_MAX 64

/* A slug is 1..63 chars of [a-z0-9-], starting with a letter or digit, not ending
 * with '-'. Camera, NVR and stream ids are slugs. */
bool vg_slug_valid(const char *s);

/* Writes a slug made from free text ("Front Door #2" -> "front-door-2") into out
 * (VG_SLUG_MAX bytes). Returns 0, or -EINVAL when nothing usable is left. */
int vg_slug_from_name(const char *name, char *out, size_t outlen);

/* snprintf that reports truncation: returns 0, or -ENOSPC when out was too small. */
int vg_strlcpy(char *out, size_t outlen, const char *src);

/* strdup of NULL is NULL; returns NULL on allocation failure of a non-NULL input too,
 * so callers compare against the input when that matters. */
char *vg_strdup0(const char *s);

/* True when every byte is printable ASCII or valid UTF-8 without control chars. */
bool vg_text_clean(const char *s, size_t maxlen);

/* Formats a Unix time (seconds) as RFC 3339 UTC into out (at least 32 bytes). */
void vg_time_format(long long unix_seconds, char *out, size_t outlen);

/* The same for Unix milliseconds, with them: "2026-11-21T10:00:00.250Z"
 * (out at least 32 bytes). */
void vg_time_format_ms(long long unix_ms, char *out, size_t outlen);

/* Size of the file system holding path and the bytes free to unprivileged
 * users on it. Returns 0 or a negative errno. */
int vg_disk_space(const char *path, uint64_t *ret_total, uint64_t *ret_avail);
