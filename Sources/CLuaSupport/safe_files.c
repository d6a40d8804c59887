/* --safe's file opening (docs/lua-host.md, "--safe: running a script someone else wrote"):
   a file is reachable only if the object finally opened lies below an allowed directory.
   The path is resolved by the kernel beneath the directory's descriptor (openat2 with
   RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS); where the kernel has no openat2, by a walk of the
   path one component at a time with O_NOFOLLOW, which treats links the same way. */
#define _GNU_SOURCE
#include "CLuaSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <lauxlib.h>

#ifdef __linux__
#include <linux/openat2.h>
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#endif

#ifndef O_PATH
#define O_PATH O_RDONLY
#endif

/* Filesystems whose files are never opened, whatever mount or link leads there. */
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572

/* As Linux limits a path's links (MAXSYMLINKS). */
#define MAX_LINKS 40
/* Directories deep below the root the walk keeps open at once. */
#define MAX_DEPTH 256

int b24lua_open_directory(const char *path) {
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* The walk: every component is opened with O_NOFOLLOW from the directory before it; a link is
   read and its text put in front of the rest of the path, an absolute one or a ".." above the
   root refused (EXDEV, as openat2 says it). Returns a descriptor or -errno. */
static int walk_beneath(int rootfd, const char *rel, int flags, mode_t mode) {
    size_t len = strlen(rel);
    char *path = malloc(len + 1);
    if (!path) return -ENOMEM;
    memcpy(path, rel, len + 1);
    int dirs[MAX_DEPTH];
    int depth = 0, links = 0, result = 0;
    size_t pos = 0;
    for (;;) {
        while (path[pos] == '/') pos++;
        int cur = depth ? dirs[depth - 1] : rootfd;
        if (path[pos] == '\0') {  /* ends at a directory */
            result = openat(cur, ".", flags & ~(O_CREAT | O_EXCL), mode);
            result = result < 0 ? -errno : result;
            break;
        }
        size_t end = pos;
        while (path[end] && path[end] != '/') end++;
        size_t after = end;
        while (path[after] == '/') after++;
        int last = path[after] == '\0';
        char saved = path[end];
        path[end] = '\0';
        const char *name = path + pos;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            if (name[1] == '.') {
                if (depth == 0) { result = -EXDEV; break; }
                close(dirs[--depth]);
            }
            path[end] = saved;
            pos = end;
            continue;
        }
        struct stat st;
        if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
            if (last && (flags & O_EXCL)) { result = -EEXIST; break; }  /* never created through */
            if (++links > MAX_LINKS) { result = -ELOOP; break; }
            char target[PATH_MAX];
            ssize_t n = readlinkat(cur, name, target, sizeof target - 1);
            if (n < 0) { result = -errno; break; }
            target[n] = '\0';
            if (target[0] == '/') { result = -EXDEV; break; }
            path[end] = saved;
            size_t restlen = strlen(path + end);
            char *next = malloc((size_t)n + restlen + 1);
            if (!next) { result = -ENOMEM; break; }
            memcpy(next, target, (size_t)n);
            memcpy(next + n, path + end, restlen + 1);
            free(path);
            path = next;
            pos = 0;
            continue;
        }
        if (!last) {
            if (depth == MAX_DEPTH) { result = -ENAMETOOLONG; break; }
            int fd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) { result = -errno; break; }
            dirs[depth++] = fd;
            path[end] = saved;
            pos = end;
            continue;
        }
        result = openat(cur, name, flags | O_NOFOLLOW, mode);
        result = result < 0 ? -errno : result;
        break;
    }
    while (depth > 0) close(dirs[--depth]);
    free(path);
    return result;
}

#ifdef __linux__
static int openat2_missing;  /* the kernel answered ENOSYS once: walk from then on */

static int openat2_beneath(int rootfd, const char *rel, int flags, mode_t mode) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (unsigned long long)flags;
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int tries = 0; ; tries++) {
        long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
        if (fd >= 0) return (int)fd;
        /* EAGAIN: a rename or mount raced the lookup of a ".."; the kernel asks to retry */
        if (errno != EAGAIN || tries == 8) return -errno;
    }
}
#endif

static int open_beneath(int rootfd, const char *rel, int flags, mode_t mode, int walk_only) {
    flags |= O_CLOEXEC | O_NOCTTY;
#ifdef __linux__
    if (!walk_only && !openat2_missing) {
        int fd = openat2_beneath(rootfd, rel, flags, mode);
        if (fd != -ENOSYS) return fd;
        openat2_missing = 1;
    }
#else
    (void)walk_only;
#endif
    return walk_beneath(rootfd, rel, flags, mode);
}

/* Whether the file `st` describes lies on a filesystem mounted at /dev or below it (/dev/shm,
   /dev/mqueue...): their regular files (another program's shared memory) are never opened,
   even through an allowed directory of "/". A mount is known by its device; one that is the
   root filesystem's (no /dev mount) forbids nothing. */
static int on_dev(const struct stat *st) {
    static const char *const mounts[] = {"/dev", "/dev/shm", "/dev/mqueue", "/dev/hugepages", "/dev/pts"};
    struct stat root, m;
    if (stat("/", &root) != 0) return 0;
    for (size_t i = 0; i < sizeof mounts / sizeof mounts[0]; i++) {
        if (stat(mounts[i], &m) == 0 && m.st_dev != root.st_dev && m.st_dev == st->st_dev) return 1;
    }
    return 0;
}

int b24lua_safe_open(int rootfd, const char *rel, int access, int append, int create, int truncate,
                     int walk_only, int *out) {
    while (*rel == '/') rel++;  /* relative to rootfd whatever: "dir//x" is "dir/x" */
    if (!*rel) rel = ".";
    /* O_NONBLOCK: a FIFO opens at once (and is then refused) instead of waiting for a peer */
    int flags = access | (append ? O_APPEND : 0) | O_NONBLOCK;
    int fd = open_beneath(rootfd, rel, flags, 0, walk_only);
    int created = 0;
    if (fd == -ENOENT && create) {
        /* O_EXCL: the last component is never followed, so a link is never created through */
        fd = open_beneath(rootfd, rel, flags | O_CREAT | O_EXCL, 0666, walk_only);
        if (fd >= 0) {
            created = 1;
        } else if (fd == -EEXIST) {
            fd = open_beneath(rootfd, rel, flags, 0, walk_only);
            if (fd == -ENOENT) return B24LUA_SAFE_DANGLING;  /* a link to nothing */
        }
    }
    if (fd < 0) return -fd;
    struct stat st;
    struct statfs fs;
    if (fstat(fd, &st) != 0 || fstatfs(fd, &fs) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    int code = 0;
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) code = B24LUA_SAFE_SPECIAL;
    else if (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC || on_dev(&st)) code = B24LUA_SAFE_SPECIAL;
    else if (access != O_RDONLY && S_ISREG(st.st_mode) && st.st_nlink > 1) code = B24LUA_SAFE_LINKED;
    if (code) {
        close(fd);
        return code;
    }
    /* truncated only now, after the checks: never a file with other links */
    if (truncate && !created && S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *out = fd;
    return 0;
}

/* As liolib's io_fclose: what f:close(), io.close(f), __close and __gc call. */
static int file_close(lua_State *L) {
    luaL_Stream *p = (luaL_Stream *)luaL_checkudata(L, 1, LUA_FILEHANDLE);
    int ok = fclose(p->f) == 0;
    return luaL_fileresult(L, ok, NULL);
}

int b24lua_push_file(lua_State *L, int fd, const char *mode) {
    FILE *f = fdopen(fd, mode);
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
        return 0;
    }
    b24lua_hold_collector(L);
    luaL_Stream *p = (luaL_Stream *)lua_newuserdatauv(L, sizeof(luaL_Stream), 0);
    p->closef = NULL;  /* closed until complete */
    luaL_setmetatable(L, LUA_FILEHANDLE);
    p->f = f;
    p->closef = &file_close;
    return 1;
}
