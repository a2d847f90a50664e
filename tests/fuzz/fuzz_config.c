/* Fuzzes the whole configuration load: YAML syntax, the libcyaml schema, value
 * checks, ${VAR} expansion and the error positioning that re-reads the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[VG_CONFIG_ERR_MAX];
    struct vg_config *cfg = NULL;
    int r = vg_config_load_buffer("fuzz.yaml", data, size, err, sizeof(err), &cfg);
    if (r == 0) {
        /* A loaded config always carries the strings every consumer reads. */
        if (!cfg || !cfg->listen || !cfg->state_dir || !cfg->log_level || !cfg->mqtt_host)
            abort();
        for (unsigned i = 0; i < cfg->cameras_count; i++) {
            if (!cfg->cameras[i].id || !cfg->cameras[i].name || !cfg->cameras[i].main_url)
                abort();
        }
        vg_config_free(cfg);
    } else if (cfg || !err[0] || strchr(err, '\n')) {
        /* Failures leave nothing behind and always explain themselves on one line. */
        abort();
    }
    return 0;
}
