/*
 * Runs a command and reports ITS OWN CPU time, exactly: fork, execvp, wait4() — the kernel's rusage of that child
 * (and of any children it waited for), in microseconds. Used by scripts/bench/run.js to measure `ps` and `du`.
 *
 *   rusage OUTFILE COMMAND [ARGS...]
 *
 * The command's stdout/stderr are left alone (inherited); the measurement is written to OUTFILE as one JSON line:
 *   {"status":0,"wall_us":...,"user_us":...,"sys_us":...,"maxrss_kb":...}
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s OUTFILE COMMAND [ARGS...]\n", argv[0]);
    return 2;
  }
  double t0 = now_us();
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 2; }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 2; }
  double wall = now_us() - t0;
  FILE *out = fopen(argv[1], "w");
  if (!out) { perror(argv[1]); return 2; }
  fprintf(out, "{\"status\":%d,\"wall_us\":%.1f,\"user_us\":%ld,\"sys_us\":%ld,\"maxrss_kb\":%ld}\n",
          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), wall,
          (long)(ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec), (long)(ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec),
          ru.ru_maxrss);
  fclose(out);
  return 0;
}
