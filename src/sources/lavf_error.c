#include "sources/lavf_error.h"

#include <errno.h>
#include <libavutil/error.h>

enum vg_source_event vg_lavf_error_event(int err)
{
    switch (err) {
    case AVERROR_HTTP_UNAUTHORIZED:
    case AVERROR_HTTP_FORBIDDEN:
    case AVERROR(EACCES):
    case AVERROR(EPERM):
        return VG_SOURCE_UNAUTHORIZED;
    case AVERROR(ECONNREFUSED):
    case AVERROR(ETIMEDOUT):
    case AVERROR(EHOSTUNREACH):
    case AVERROR(ENETUNREACH):
    case AVERROR(ECONNRESET):
    case AVERROR(EPIPE):
    case AVERROR(EIO):
    case AVERROR_EXIT:
    case AVERROR_EOF:
        return VG_SOURCE_UNREACHABLE;
    default:
        return VG_SOURCE_FAILED;
    }
}

const char *vg_lavf_error_text(int err, char *buf, size_t len)
{
    if (err == AVERROR_EXIT)
        return "timed out: no answer";
    if (err == AVERROR_HTTP_UNAUTHORIZED || err == AVERROR_HTTP_FORBIDDEN)
        return "the camera refused the username or password";
    av_strerror(err, buf, len);
    return buf;
}
