/*
** sink.c - running tests/mail/smtp_sink.py for a test (sink.h).
**
** The interpreter is $GARANT_PYTHON, else Debian's /usr/bin/python3 (where
** scripts/deps.sh installs python3-aiosmtpd; a python3 found first on the
** PATH, such as a pyenv one, may lack it), else python3 from the PATH.
*/
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sink.h"
#include "support.h"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sink: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static const char *python(void)
{
    const char *p = getenv("GARANT_PYTHON");
    if (p && *p) return p;
    if (access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
    return "python3";
}

static void spawn(t_sink *s, int port)
{
    char path[600], portfile[128], portarg[16];
    snprintf(path, sizeof path, "%s/tests/mail/smtp_sink.py", t_source_dir());
    snprintf(portfile, sizeof portfile, "%s/port", s->dir);
    snprintf(portarg, sizeof portarg, "%d", port);
    unlink(portfile);
    const char *py = python();
    const char *argv[16];
    int argc = 0;
    argv[argc++] = py;
    argv[argc++] = path;
    argv[argc++] = s->dir;
    argv[argc++] = "--port";
    argv[argc++] = portarg;
    if (s->auth[0]) {
        argv[argc++] = "--auth";
        argv[argc++] = s->auth;
    }
    if (s->cert[0]) {
        argv[argc++] = "--tls";
        argv[argc++] = s->cert;
        argv[argc++] = s->key;
        if (s->smtps) argv[argc++] = "--smtps";
    }
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid < 0) die("fork: %s", strerror(errno));
    if (pid == 0) {
        execvp(py, (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    for (int i = 0; i < 1000; i++) { /* 20 s */
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            s->pid = 0;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
                t_sink_cleanup(s);
                t_skip("the SMTP sink needs aiosmtpd (Debian package python3-aiosmtpd, scripts/deps.sh)");
            }
            die("smtp_sink.py exited (status %d) before listening", status);
        }
        FILE *f = fopen(portfile, "r");
        if (f) {
            int got = 0;
            if (fscanf(f, "%d", &got) == 1 && got > 0) s->port = got;
            fclose(f);
            if (s->port > 0) {
                snprintf(s->url, sizeof s->url, "smtp://127.0.0.1:%d", s->port);
                return;
            }
        }
        sleep_ms(20);
    }
    die("smtp_sink.py did not listen within 20 s");
}

void t_sink_start(t_sink *s, const char *auth)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/garant-sink-XXXXXX");
    if (!mkdtemp(s->dir)) die("mkdtemp: %s", strerror(errno));
    if (auth) snprintf(s->auth, sizeof s->auth, "%s", auth);
    spawn(s, 0);
}

void t_sink_start_tls(t_sink *s, int smtps)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/garant-sink-XXXXXX");
    if (!mkdtemp(s->dir)) die("mkdtemp: %s", strerror(errno));
    snprintf(s->cert, sizeof s->cert, "%s/cert.pem", s->dir);
    snprintf(s->key, sizeof s->key, "%s/key.pem", s->dir);
    s->smtps = smtps;
    pid_t pid = fork();
    if (pid < 0) die("fork: %s", strerror(errno));
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr)) _exit(126);
        execlp("openssl", "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", s->key, "-out",
               s->cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
               (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        t_sink_cleanup(s);
        t_skip("the TLS sink needs the openssl command (Debian package openssl)");
    }
    spawn(s, 0);
}

void t_sink_stop(t_sink *s)
{
    if (!s->pid) return;
    kill(s->pid, SIGTERM);
    int status;
    waitpid(s->pid, &status, 0);
    s->pid = 0;
}

void t_sink_restart(t_sink *s)
{
    t_sink_stop(s);
    spawn(s, s->port);
}

void t_sink_mode(t_sink *s, const char *mode)
{
    char path[128], tmp[140];
    snprintf(path, sizeof path, "%s/mode", s->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fputs(mode, f) < 0 || fclose(f) != 0) die("writing %s", tmp);
    if (rename(tmp, path) != 0) die("rename %s: %s", tmp, strerror(errno));
}

int t_sink_count(const t_sink *s)
{
    DIR *d = opendir(s->dir);
    if (!d) die("opendir %s: %s", s->dir, strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".eml") == 0) n++;
    }
    closedir(d);
    return n;
}

char *t_sink_message(const t_sink *s, int n, size_t *out_len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/msg-%04d.eml", s->dir, n);
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) die("stat %s", path);
    char *buf = malloc((size_t)sb.st_size + 1);
    if (!buf || fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) die("reading %s", path);
    fclose(f);
    buf[sb.st_size] = '\0';
    *out_len = (size_t)sb.st_size;
    return buf;
}

json_t *t_sink_envelope(const t_sink *s, int n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/msg-%04d.json", s->dir, n);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j) die("%s: %s", path, err.text);
    return j;
}

void t_sink_cleanup(t_sink *s)
{
    t_sink_stop(s);
    if (!s->dir[0]) return;
    DIR *d = opendir(s->dir);
    if (d) {
        struct dirent *e;
        char path[400];
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            snprintf(path, sizeof path, "%s/%s", s->dir, e->d_name);
            unlink(path);
        }
        closedir(d);
        rmdir(s->dir);
    }
    s->dir[0] = '\0';
}
