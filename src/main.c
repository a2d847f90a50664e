/* vigil: arguments, config, signals; builds the app and runs its loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/config.h"
#include "core/log.h"
#include "http/router.h"

#define DEMO_MAX 64

enum exit_code { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static void usage(FILE *out)
{
    fputs("usage: vigil [OPTIONS]\n"
          "       vigil check-config FILE\n"
          "       vigil routes\n"
          "\n"
          "Network video recorder and live camera wall.\n"
          "\n"
          "  --config FILE      YAML configuration (see vigil.example.yaml)\n"
          "  --listen HOST:PORT HTTP address (default 127.0.0.1:8080)\n"
          "  --state-dir DIR    database and secrets (default ./vigil-data)\n"
          "  --demo N           add N demo cameras demo-1 ... demo-N (at most 64)\n"
          "  --demo-record N    demo cameras 1 ... N record their sub stream\n"
          "  --version          print the version\n"
          "  --help             print this help\n"
          "\n"
          "  check-config FILE  check a configuration file and exit (2 on errors)\n"
          "  routes             list every API route with its access level\n"
          "\n"
          "Command-line options override the file. VIGIL_ADMIN_PASSWORD sets the first\n"
          "admin password; otherwise a random one is printed once at first start.\n",
          out);
}

static int load_config(const char *path, struct vg_config **ret_cfg)
{
    char err[VG_CONFIG_ERR_MAX];
    int r = path ? vg_config_load_file(path, err, sizeof(err), ret_cfg) : 0;
    if (r < 0) {
        fprintf(stderr, "%s\n", err);
        return r;
    }
    if (!path) {
        *ret_cfg = vg_config_new_defaults();
        if (!*ret_cfg)
            return -ENOMEM;
    }
    return 0;
}

static int cmd_check_config(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: vigil check-config FILE\n", stderr);
        return EXIT_USAGE;
    }
    struct vg_config *cfg = NULL;
    if (load_config(argv[2], &cfg) < 0)
        return EXIT_USAGE;
    printf("%s: ok (%u cameras)\n", argv[2], cfg->cameras_count);
    vg_config_free(cfg);
    return EXIT_OK;
}

static int cmd_routes(void)
{
    for (const struct vg_route *r = vg_routes; r->pattern; r++)
        printf("%s %s %s\n", vg_method_name(r->method), r->pattern, vg_access_name(r->access));
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "check-config") == 0)
        return cmd_check_config(argc, argv);
    if (argc == 2 && strcmp(argv[1], "routes") == 0)
        return cmd_routes();

    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'},
        {"state-dir", required_argument, NULL, 's'},
        {"demo", required_argument, NULL, 'd'},
        {"demo-record", required_argument, NULL, 'r'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL, *listen = NULL, *state_dir = NULL;
    long demo = 0, demo_record = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'l':
            listen = optarg;
            break;
        case 's':
            state_dir = optarg;
            break;
        case 'd':
            errno = 0;
            demo = strtol(optarg, &end, 10);
            if (errno || *end || demo < 0 || demo > DEMO_MAX) {
                fprintf(stderr, "vigil: --demo takes a number from 0 to %d\n", DEMO_MAX);
                return EXIT_USAGE;
            }
            break;
        case 'r':
            errno = 0;
            demo_record = strtol(optarg, &end, 10);
            if (errno || *end || demo_record < 0 || demo_record > DEMO_MAX) {
                fprintf(stderr, "vigil: --demo-record takes a number from 0 to %d\n", DEMO_MAX);
                return EXIT_USAGE;
            }
            break;
        case 'V':
            printf("vigil %s\n", VG_VERSION);
            return EXIT_OK;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vigil: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }

    struct vg_config *cfg = NULL;
    if (load_config(config_path, &cfg) < 0)
        return EXIT_USAGE;
    char host[64];
    uint16_t port;
    if (listen && vg_config_parse_listen(listen, host, sizeof(host), &port) < 0) {
        fprintf(stderr, "vigil: --listen wants HOST:PORT, got '%s'\n", listen);
        vg_config_free(cfg);
        return EXIT_USAGE;
    }
    if ((listen && vg_config_set_string(&cfg->listen, listen) < 0) ||
        (state_dir && vg_config_set_string(&cfg->state_dir, state_dir) < 0)) {
        vg_config_free(cfg);
        return EXIT_FAIL;
    }
    enum vg_log_level level;
    if (cfg->log_level && vg_log_parse_level(cfg->log_level, &level) == 0)
        vg_log_set_level(level);

    /* A viewer that goes away mid-write must cost an EPIPE, not the process. */
    signal(SIGPIPE, SIG_IGN);
    vg_info("app", "vigil %s starting (state in %s)", VG_VERSION, cfg->state_dir);
    struct vg_app app;
    int r = vg_app_init(&app, cfg, (unsigned)demo, (unsigned)demo_record);
    if (r == 0)
        r = vg_app_run(&app);
    vg_app_done(&app);
    if (r < 0) {
        vg_error("app", "stopped: %s", strerror(-r));
        return EXIT_FAIL;
    }
    vg_info("app", "stopped");
    return EXIT_OK;
}
