/*
 * The folder-sizing walk in C, two ways, to split the gap between folderSize() and `du -s` into its causes:
 *
 *   sizewalk at   DIR...   fstatat(dirfd, name) and openat(dirfd, name), as du (fts) does: a one-component lookup
 *   sizewalk full DIR...   lstat(full path) and opendir(full path): the only calls Node's fs API offers (no *at)
 *
 * Same sum as folderSize / `du -s -B1`: st_blocks × 512 of every path under each DIR (symlinks not followed), an inode
 * with more than one link counted once over all DIRs. Prints "BYTES ENTRIES".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long long bytes, entries;
static struct { dev_t dev; ino_t ino; } *links;
static size_t nlinks, caplinks;

/* 1 if this inode was counted already (only inodes with st_nlink > 1 are remembered, as in folderSize). */
static int seen(const struct stat *st) {
  if (S_ISDIR(st->st_mode) || st->st_nlink < 2) return 0;
  for (size_t i = 0; i < nlinks; i++)
    if (links[i].dev == st->st_dev && links[i].ino == st->st_ino) return 1;
  if (nlinks == caplinks) {
    caplinks = caplinks ? caplinks * 2 : 64;
    links = realloc(links, caplinks * sizeof *links);
    if (!links) exit(2);
  }
  links[nlinks].dev = st->st_dev;
  links[nlinks].ino = st->st_ino;
  nlinks++;
  return 0;
}

static int dot(const char *n) { return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])); }

static void walk_at(int parent, const char *name) {
  struct stat st;
  if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  entries++;
  if (seen(&st)) return;
  bytes += (unsigned long long)st.st_blocks * 512;
  if (!S_ISDIR(st.st_mode)) return;
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (!dot(e->d_name)) walk_at(fd, e->d_name);
  closedir(d);
}

static void walk_full(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  entries++;
  if (seen(&st)) return;
  bytes += (unsigned long long)st.st_blocks * 512;
  if (!S_ISDIR(st.st_mode)) return;
  DIR *d = opendir(path);
  if (!d) return;
  size_t len = strlen(path);
  char *child = malloc(len + 258);
  if (!child) exit(2);
  memcpy(child, path, len);
  child[len] = '/';
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (dot(e->d_name)) continue;
    strcpy(child + len + 1, e->d_name);
    walk_full(child);
  }
  free(child);
  closedir(d);
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[1], "at") != 0 && strcmp(argv[1], "full") != 0)) {
    fprintf(stderr, "usage: %s at|full DIR...\n", argv[0]);
    return 2;
  }
  int at = strcmp(argv[1], "at") == 0;
  for (int i = 2; i < argc; i++) {
    if (at) walk_at(AT_FDCWD, argv[i]);
    else walk_full(argv[i]);
  }
  printf("%llu %llu\n", bytes, entries);
  return 0;
}
