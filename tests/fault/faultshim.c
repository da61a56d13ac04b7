/* LD_PRELOAD shim for the fault-injection suite (compiled by the tests into tmp_path).
 *
 * Counts write, pwrite, pwrite64, fsync and fdatasync calls on files under one folder
 * (SQLCipher's own C-level writes and Python's os.write/os.fsync alike), and at the Nth
 * one fails it with EIO, fails it and every later one with ENOSPC (a disk stays full), or
 * SIGKILLs the process before it happens. Idle until fault_arm() is called (by ctypes).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

enum { COUNT = 0, EIO_AT = 1, ENOSPC_FROM = 2, KILL_AT = 3 };

static char watched_dir[4096];
static size_t watched_len;
static long target_n, calls;
static int mode, tripped;

void fault_arm(const char *dir, long n, int how) {
    strncpy(watched_dir, dir, sizeof watched_dir - 1);
    watched_len = strlen(watched_dir);
    target_n = n;
    mode = how;
    calls = 0;
    tripped = 0;
}

long fault_calls(void) { return calls; }
int fault_tripped(void) { return tripped; }

static int watched(int fd) {
    char link[64], target[4096];
    ssize_t len;
    if (!watched_len) return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    len = readlink(link, target, sizeof target - 1);
    if (len <= 0) return 0;
    target[len] = 0;
    return strncmp(target, watched_dir, watched_len) == 0;
}

/* 0 to let the call through, else the errno to fail it with. */
static int inject(int fd) {
    if (!watched(fd)) return 0;
    calls++;
    if (mode == COUNT) return 0;
    if (mode == ENOSPC_FROM && tripped) return ENOSPC;
    if (calls != target_n) return 0;
    tripped = 1;
    if (mode == KILL_AT) kill(getpid(), SIGKILL);
    return mode == EIO_AT ? EIO : ENOSPC;
}

#define REAL(name) static __typeof__(&name) real; if (!real) real = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t n) {
    REAL(write);
    int e = inject(fd);
    if (e) { errno = e; return -1; }
    return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    REAL(pwrite);
    int e = inject(fd);
    if (e) { errno = e; return -1; }
    return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
    REAL(pwrite64);
    int e = inject(fd);
    if (e) { errno = e; return -1; }
    return real(fd, buf, n, off);
}

int fsync(int fd) {
    REAL(fsync);
    int e = inject(fd);
    if (e) { errno = e; return -1; }
    return real(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    int e = inject(fd);
    if (e) { errno = e; return -1; }
    return real(fd);
}
