/* NVR URL templates over arbitrary bytes: check, then expand. The first byte
 * picks the variables (empty, odd or long credentials, ports, channels). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/nvr_template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const users[] = {"admin", "", NULL, "ad min:@/?#%{user}", "\xff\x01\x7f"};
static const char *const passes[] = {"pw", "", NULL, "p@ss:w/rd{pass}}",
                                     "0123456789012345678901234567890123456789012345678901234"
                                     "5678901234567890123456789012345678901234567890123456789"};
static const char *const hosts[] = {"10.0.0.5", "[fe80::1]", ""};
static const unsigned ports[] = {554, 0, 65535, 4294967295u};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    uint8_t pick = data[0];
    data++;
    size--;
    char *tmpl = malloc(size + 1);
    if (!tmpl)
        return 0;
    memcpy(tmpl, data, size);
    tmpl[size] = '\0';

    struct vg_nvr_vars vars = {
        .user = users[pick % 5],
        .pass = passes[(pick / 5) % 5],
        .host = hosts[(pick / 25) % 3],
        .port = ports[(pick / 75) % 4],
        .channel = pick & 0x80 ? 4294967295u : (unsigned)(pick % 33),
    };

    const char *reason = NULL;
    int checked = vg_nvr_template_check(tmpl, &reason);
    if (checked < 0 && !reason)
        abort();
    char *url = NULL;
    int r = vg_nvr_template_expand(tmpl, &vars, &url);
    if ((checked == 0) != (r == 0) && r != -ENOMEM)
        abort();
    if (r == 0) {
        if (!url)
            abort();
        /* Every brace of a valid template belongs to a placeholder, and the
         * values put in never carry a raw one. */
        if (strchr(url, '{') || strchr(url, '}'))
            abort();
        free(url);
    }
    free(tmpl);
    return 0;
}
