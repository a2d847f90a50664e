/* One line per event: time, level, module, optional camera, message.
 * The level is the only mutable global in Vigil. */
#pragma once

enum vg_log_level { VG_LOG_DEBUG, VG_LOG_INFO, VG_LOG_WARN, VG_LOG_ERROR };

void vg_log_set_level(enum vg_log_level level);
/* Parses "debug", "info", "warn", "error". Returns 0 or -EINVAL. */
int vg_log_parse_level(const char *name, enum vg_log_level *ret_level);

/* camera may be NULL. Never fails; output goes to stderr. */
void vg_log_write(enum vg_log_level level, const char *module, const char *camera, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

#define vg_debug(mod, ...) vg_log_write(VG_LOG_DEBUG, mod, NULL, __VA_ARGS__)
#define vg_info(mod, ...) vg_log_write(VG_LOG_INFO, mod, NULL, __VA_ARGS__)
#define vg_warn(mod, ...) vg_log_write(VG_LOG_WARN, mod, NULL, __VA_ARGS__)
#define vg_error(mod, ...) vg_log_write(VG_LOG_ERROR, mod, NULL, __VA_ARGS__)
