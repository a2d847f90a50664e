#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum vg_log_level min_level = VG_LOG_INFO;

static const char *const level_names[] = {
    [VG_LOG_DEBUG] = "debug",
    [VG_LOG_INFO] = "info",
    [VG_LOG_WARN] = "warn",
    [VG_LOG_ERROR] = "error",
};

void vg_log_set_level(enum vg_log_level level)
{
    min_level = level;
}

int vg_log_parse_level(const char *name, enum vg_log_level *ret_level)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *ret_level = (enum vg_log_level)i;
            return 0;
        }
    }
    return -EINVAL;
}

void vg_log_write(enum vg_log_level level, const char *module, const char *camera, const char *fmt,
                  ...)
{
    if (level < min_level)
        return;

    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* A message must stay one line whatever a peer put into it. */
    for (char *p = msg; *p; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

    if (camera)
        fprintf(stderr, "%s.%03ldZ %-5s %s camera=%s: %s\n", when, ts.tv_nsec / 1000000,
                level_names[level], module, camera, msg);
    else
        fprintf(stderr, "%s.%03ldZ %-5s %s: %s\n", when, ts.tv_nsec / 1000000, level_names[level],
                module, msg);
}
