/*
 * C reference for the /proc scanner benchmark (scripts/bench/run.js compiles it with `cc -O2`).
 *
 * For every numeric entry of the proc root it does what src/probes/scanner.ts does, with no overhead on top:
 *   stat(2) of /proc/PID (owner uid), then /proc/PID/stat and /proc/PID/cmdline, each opened, read until EOF
 *   into one reused buffer, closed — the same syscalls as NodeProcFs.readText — and parses ppid, starttime and rss.
 * It times each pass with getrusage(RUSAGE_SELF) — the call process.cpuUsage() makes in Node — and
 * clock_gettime(CLOCK_MONOTONIC), and prints one JSON line.
 *
 *   procread [--proc DIR] [--reps N] [--parts] [--one-read]
 *
 * --reps N     N timed passes after one untimed warm-up pass (default 5).
 * --parts      additionally time each part alone (readdir only, + stat(2), + stat file, + cmdline file), N passes each.
 * --one-read   stop reading a file at the first short read (one read(2) per file instead of two): the floor for a
 *              reader that trusts a short read from /proc to mean end of file.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *buf;
static size_t cap = 16 * 1024;
static int one_read; /* --one-read: stop at the first short read instead of reading until read() returns 0 */

/* open + read until EOF (growing the buffer) + close, like NodeProcFs.readText. Returns length or -1. */
static long read_all(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = 0;
  for (;;) {
    if (len == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (!buf) { perror("realloc"); exit(2); }
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0) { close(fd); return -1; }
    if (n == 0) break;
    len += (size_t)n;
    if (one_read && len < cap) break;
  }
  close(fd);
  return (long)len;
}

/* Field `want` (1-based as in proc(5), >= 3) of a stat line: counted after the LAST ')' (comm may hold anything). */
static long long stat_field(const char *s, long len, int want) {
  const char *end = s + len;
  const char *p = end;
  while (p > s && p[-1] != ')') p--;
  if (p == s) return -1;
  int field = 2;
  while (p < end) {
    while (p < end && *p == ' ') p++;
    if (p >= end) break;
    field++;
    if (field == want) {
      long long v = 0;
      int neg = 0;
      if (*p == '-') { neg = 1; p++; }
      while (p < end && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
      return neg ? -v : v;
    }
    while (p < end && *p != ' ') p++;
  }
  return -1;
}

enum { DO_STAT = 1, DO_STATFILE = 2, DO_CMDLINE = 4, DO_ALL = 7 };

struct pass { long count; long skipped; long long sum; double wall_us, user_us, sys_us; };

static double tv_us(struct timeval tv) { return tv.tv_sec * 1e6 + tv.tv_usec; }
static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static struct pass one_pass(const char *root, int what) {
  struct pass r = {0};
  struct rusage a, b;
  double t0 = now_us();
  getrusage(RUSAGE_SELF, &a);
  DIR *d = opendir(root);
  if (!d) { perror(root); exit(2); }
  char path[4096];
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *n = e->d_name;
    if (*n < '0' || *n > '9') continue;
    const char *q = n;
    while (*q >= '0' && *q <= '9') q++;
    if (*q) continue;
    int dl = snprintf(path, sizeof path, "%s/%s", root, n);
    int ok = 1;
    if (what & DO_STAT) {
      struct stat st;
      if (stat(path, &st) != 0) ok = 0;
      else r.sum += st.st_uid;
    }
    if (ok && (what & DO_STATFILE)) {
      strcpy(path + dl, "/stat");
      long len = read_all(path);
      if (len <= 0) ok = 0;
      else {
        long long ppid = stat_field(buf, len, 4), start = stat_field(buf, len, 22), rss = stat_field(buf, len, 24);
        if (ppid < 0 || start < 0 || rss < 0) ok = 0;
        else r.sum += ppid + start + rss;
      }
    }
    if (ok && (what & DO_CMDLINE)) {
      strcpy(path + dl, "/cmdline");
      long len = read_all(path);
      if (len < 0) ok = 0;
      else r.sum += len;
    }
    if (ok) r.count++;
    else r.skipped++;
  }
  closedir(d);
  getrusage(RUSAGE_SELF, &b);
  r.wall_us = now_us() - t0;
  r.user_us = tv_us(b.ru_utime) - tv_us(a.ru_utime);
  r.sys_us = tv_us(b.ru_stime) - tv_us(a.ru_stime);
  return r;
}

static void print_passes(const char *name, const char *root, int what, int reps) {
  one_pass(root, what); /* warm-up */
  printf("\"%s\":[", name);
  for (int i = 0; i < reps; i++) {
    struct pass p = one_pass(root, what);
    printf("%s{\"count\":%ld,\"skipped\":%ld,\"wall_us\":%.1f,\"user_us\":%.0f,\"sys_us\":%.0f,\"checksum\":%lld}", i ? "," : "",
           p.count, p.skipped, p.wall_us, p.user_us, p.sys_us, p.sum);
  }
  printf("]");
}

int main(int argc, char **argv) {
  const char *root = "/proc";
  int reps = 5, parts = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--proc") && i + 1 < argc) root = argv[++i];
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--parts")) parts = 1;
    else if (!strcmp(argv[i], "--one-read")) one_read = 1;
    else { fprintf(stderr, "usage: %s [--proc DIR] [--reps N] [--parts] [--one-read]\n", argv[0]); return 2; }
  }
  if (reps < 1) reps = 1;
  buf = malloc(cap);
  if (!buf) return 2;
  printf("{");
  print_passes("full", root, DO_ALL, reps);
  if (parts) {
    printf(",");
    print_passes("readdir", root, 0, reps);
    printf(",");
    print_passes("uidStat", root, DO_STAT, reps);
    printf(",");
    print_passes("statFile", root, DO_STATFILE, reps);
    printf(",");
    print_passes("cmdlineFile", root, DO_CMDLINE, reps);
  }
  printf("}\n");
  return 0;
}
