#include "sources/source.h"

#include <stddef.h>
#include <strings.h>

const struct vg_source_ops *vg_source_for_url(const char *url, bool udp)
{
    if (url && !udp && strncasecmp(url, "rtsp://", 7) == 0)
        return &vg_source_rtsp;
    static const struct {
        const char *prefix;
        const struct vg_source_ops *ops;
    } kinds[] = {
        {"demo:", &vg_source_demo},    {"rtsp://", &vg_source_lavf}, {"rtsps://", &vg_source_lavf},
        {"rtmp://", &vg_source_lavf},  {"http://", &vg_source_lavf}, {"https://", &vg_source_lavf},
        {"file:///", &vg_source_lavf}, {"webrtc:", &vg_source_push},
    };
    for (size_t i = 0; url && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        size_t n = 0;
        while (kinds[i].prefix[n])
            n++;
        if (strncasecmp(url, kinds[i].prefix, n) == 0)
            return kinds[i].ops;
    }
    return NULL;
}
