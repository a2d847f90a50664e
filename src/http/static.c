#include "http/static.h"

#include <event2/buffer.h>
#include <string.h>

#include "http/reply.h"

const char *vg_static_content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".yaml", "application/yaml"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    }
    return "application/octet-stream";
}

const struct vg_asset *vg_static_find(const char *path)
{
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    for (const struct vg_asset *a = vg_assets; a->path; a++) {
        if (strcmp(a->path, path) == 0)
            return a;
    }
    return NULL;
}

void vg_static_serve(struct evhttp_request *ev, const char *path)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(ev);
    const struct vg_asset *a = vg_static_find(path);
    vg_reply_security_headers(ev);
    if (!a || (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)) {
        struct evbuffer *buf = evbuffer_new();
        evhttp_add_header(evhttp_request_get_output_headers(ev), "Content-Type",
                          "text/plain; charset=utf-8");
        if (buf)
            evbuffer_add_printf(buf, "not found\n");
        evhttp_send_reply(ev, 404, "Not Found", buf);
        if (buf)
            evbuffer_free(buf);
        return;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(ev);
    evhttp_add_header(h, "Content-Type", vg_static_content_type(a->path));
    /* The UI changes with the binary; revalidate rather than cache stale modules. */
    evhttp_add_header(h, "Cache-Control", "no-cache");
    struct evbuffer *buf = evbuffer_new();
    if (!buf) {
        evhttp_send_error(ev, 500, NULL);
        return;
    }
    evbuffer_add_reference(buf, a->data, a->len, NULL, NULL);
    evhttp_send_reply(ev, 200, "OK", buf);
    evbuffer_free(buf);
}
