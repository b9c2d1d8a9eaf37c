/*
 * posix.node: the few POSIX calls Node's fs lacks, for a faithful restore.
 *   utimens(path, atimeSec, atimeNsec, mtimeSec, mtimeNsec)  utimensat(AT_SYMLINK_NOFOLLOW):
 *       Node's fs.lutimes rounds to microseconds; snapshots keep nanoseconds.
 *   mkfifo(path, mode)                                         Node has no mkfifo.
 *   mknod(path, mode, isChar, major, minor)                    Node has no mknod.
 *   lsetxattr(path, name, value)                               Node has no xattr calls.
 *   writeFiles(strings, nums, bufs) -> Promise<problems>       a group of small restored files,
 *       each created, written, owned, chmod-ed, given xattrs and times, closed and renamed on a
 *       libuv threadpool thread (see "batch writer" below), so restore's main thread only
 *       marshals them: the same syscalls run inline cost it ~0.6 s of a 3.3 s restore.
 *   zstdVersion() / zstdDecompress(src, dst) -> bytes          the system's libzstd, opened at
 *       run time (see "zstd" below): ~2-3x the WASM build's speed, for compress/zstd.ts.
 * Paths are Buffers (names may be invalid UTF-8). Errors throw with `code` set to the errno
 * name (ENOENT, EPERM, ...), like Node's own fs errors. Built by build.sh with the system C
 * compiler against Node's headers; restore falls back to portable paths when it is absent.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <dlfcn.h>
#include <pthread.h>
#include <math.h>
#include <stdint.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>

static const char *errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case EROFS: return "EROFS";
    case ENOTSUP: return "ENOTSUP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ELOOP: return "ELOOP";
    case E2BIG: return "E2BIG";
    case ERANGE: return "ERANGE";
    default: return "EIO";
  }
}

static napi_value throw_errno(napi_env env, const char *call, int e) {
  napi_value code, msg, err;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  char text[160];
  snprintf(text, sizeof text, "%s: %s", call, strerror(e));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &err);
  napi_value errnoValue;
  napi_create_int32(env, -e, &errnoValue);
  napi_set_named_property(env, err, "errno", errnoValue);
  napi_set_named_property(env, err, "code", code);
  napi_throw(env, err);
  return NULL;
}

/* copies a Buffer argument into a NUL-terminated string; rejects embedded NULs */
static char *buffer_arg(napi_env env, napi_value v) {
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, v, &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a Buffer");
    return NULL;
  }
  if (memchr(data, 0, len) != NULL || len > 65536) {
    napi_throw_range_error(env, NULL, "path or name holds a NUL byte or is too long");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) return NULL;
  memcpy(s, data, len);
  s[len] = 0;
  return s;
}

static double num_arg(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

static napi_value js_utimens(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) { napi_throw_type_error(env, NULL, "utimens needs 5 arguments"); return NULL; }
  char *path = buffer_arg(env, argv[0]);
  if (!path) return NULL;
  struct timespec ts[2];
  ts[0].tv_sec = (time_t)num_arg(env, argv[1]);
  ts[0].tv_nsec = (long)num_arg(env, argv[2]);
  ts[1].tv_sec = (time_t)num_arg(env, argv[3]);
  ts[1].tv_nsec = (long)num_arg(env, argv[4]);
  int r = utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
  int e = errno;
  free(path);
  if (r != 0) return throw_errno(env, "utimensat", e);
  return NULL;
}

static napi_value js_mkfifo(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) { napi_throw_type_error(env, NULL, "mkfifo needs 2 arguments"); return NULL; }
  char *path = buffer_arg(env, argv[0]);
  if (!path) return NULL;
  int r = mkfifo(path, (mode_t)num_arg(env, argv[1]));
  int e = errno;
  free(path);
  if (r != 0) return throw_errno(env, "mkfifo", e);
  return NULL;
}

static napi_value js_mknod(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) { napi_throw_type_error(env, NULL, "mknod needs 5 arguments"); return NULL; }
  char *path = buffer_arg(env, argv[0]);
  if (!path) return NULL;
  bool isChar = false;
  napi_get_value_bool(env, argv[2], &isChar);
  mode_t mode = ((mode_t)num_arg(env, argv[1]) & 07777) | (isChar ? S_IFCHR : S_IFBLK);
  dev_t dev = makedev((unsigned)num_arg(env, argv[3]), (unsigned)num_arg(env, argv[4]));
  int r = mknod(path, mode, dev);
  int e = errno;
  free(path);
  if (r != 0) return throw_errno(env, "mknod", e);
  return NULL;
}

static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) { napi_throw_type_error(env, NULL, "lsetxattr needs 3 arguments"); return NULL; }
  char *path = buffer_arg(env, argv[0]);
  if (!path) return NULL;
  char *name = buffer_arg(env, argv[1]);
  if (!name) { free(path); return NULL; }
  void *value;
  size_t len;
  if (napi_get_buffer_info(env, argv[2], &value, &len) != napi_ok) {
    free(path); free(name);
    napi_throw_type_error(env, NULL, "value must be a Buffer");
    return NULL;
  }
  int r = lsetxattr(path, name, value, len, 0);
  int e = errno;
  free(path);
  free(name);
  if (r != 0) return throw_errno(env, "lsetxattr", e);
  return NULL;
}

/* ---- batch writer ------------------------------------------------------------------------------
 * writeFiles(strings, nums, bufs): one group of small restored files, written on a libuv
 * threadpool thread with the steps of write-jobs.ts `writeJob` (which states the semantics): per
 * file open(O_CREAT|O_EXCL|O_NOFOLLOW, 0600), write all (or only the non-zero 4 KiB blocks and
 * ftruncate when sparse), fchown (failure: warning), fchmod, lsetxattr each (failure: warning),
 * futimens, close, rename; on an error the fd is closed, the temp file this job created removed,
 * and the next file goes on. Resolves with the problems only, [[job, isError, code, message]...],
 * empty when all went well; codes and messages take the shapes Node's fs gives the inline path.
 *
 * Input, built by write-jobs.ts (writeJobsNative) and bounded here, on the main thread:
 *   strings  Buffer: each job's tmp path, final path and xattr names, back to back, no separators
 *   nums     Float64Array, per job WX_FIELDS numbers: tmpLen, finalLen, mode, uid, gid (both -1:
 *            leave the owner), atimeSec, atimeNsec, mtimeSec, mtimeNsec, sparse (0/1), xattrCount,
 *            then one name length per xattr
 *   bufs     Array of Uint8Array: per job its bytes, then its xattr values in order
 * Strings and numbers are copied here; the bytes are used in place, kept alive by a reference to
 * `bufs` until the work completes: the caller must neither change nor detach them meanwhile.
 */

#define WX_FIELDS 11
#define WX_SPARSE_BLOCK 4096
#define WX_MAX_NAME 65536
#define WX_MAX_SEC 4611686018427387904.0 /* 2^62: beyond any file system's range, fits time_t */

typedef struct {
  char *name;   /* NUL-terminated copy */
  size_t name_len;
  int bad_name; /* held a NUL byte or was too long, as js_lsetxattr refuses */
  const uint8_t *value;
  size_t len;
} wx_xattr;

typedef struct {
  char *tmp, *final; /* NUL-terminated copies */
  int bad_path;      /* a path held a NUL byte */
  const uint8_t *data;
  size_t len;
  mode_t mode;
  long long uid, gid; /* both -1: leave the owner */
  struct timespec ts[2];
  int sparse;
  size_t nx;
  wx_xattr *x;
} wx_job;

typedef struct {
  size_t job;
  int is_error;
  char code[48];
  char *message;
  size_t message_len;
} wx_problem;

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref bufs_ref;
  char *text;
  wx_job *jobs;
  size_t njobs;
  wx_xattr *xattrs;
  wx_problem *problems;
  size_t nproblems, cap;
  int out_of_memory;
} wx_batch;

/*
 * records a problem; takes `message` (NULL: the allocation failed, the batch rejects), which is
 * NUL-terminated unless `len` says how long it is
 */
static void wx_add_n(wx_batch *b, size_t job, int is_error, const char *code, char *message,
                     size_t len) {
  if (!message) { b->out_of_memory = 1; return; }
  if (b->nproblems == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 8;
    wx_problem *p = realloc(b->problems, cap * sizeof *p);
    if (!p) { free(message); b->out_of_memory = 1; return; }
    b->problems = p;
    b->cap = cap;
  }
  wx_problem *p = &b->problems[b->nproblems++];
  p->job = job;
  p->is_error = is_error;
  snprintf(p->code, sizeof p->code, "%s", code);
  p->message = message;
  p->message_len = len == (size_t)-1 ? strlen(message) : len;
}

static void wx_add(wx_batch *b, size_t job, int is_error, const char *code, char *message) {
  wx_add_n(b, job, is_error, code, message, (size_t)-1);
}

/* "cannot set xattr NAME: why", keeping every byte of the name (it may hold a NUL) */
static void wx_warn_xattr(wx_batch *b, size_t job, const wx_xattr *x, const char *why) {
  static const char head[] = "cannot set xattr ";
  size_t hl = sizeof head - 1, wl = strlen(why);
  char *m = malloc(hl + x->name_len + 2 + wl + 1);
  if (m) {
    memcpy(m, head, hl);
    memcpy(m + hl, x->name, x->name_len);
    memcpy(m + hl + x->name_len, ": ", 2);
    memcpy(m + hl + x->name_len + 2, why, wl + 1);
  }
  wx_add_n(b, job, 0, "WARNING", m, hl + x->name_len + 2 + wl);
}

/* Node's fs error text (uvException): "ENOENT: no such file or directory, open '/a/b'" */
static char *wx_node_message(int e, const char *syscall, const char *path, const char *dest,
                             char code[48]) {
  char desc[128];
  uv_err_name_r(-e, code, 48);
  uv_strerror_r(-e, desc, sizeof desc);
  char *m = NULL;
  int r;
  if (path && dest) r = asprintf(&m, "%s: %s, %s '%s' -> '%s'", code, desc, syscall, path, dest);
  else if (path) r = asprintf(&m, "%s: %s, %s '%s'", code, desc, syscall, path);
  else r = asprintf(&m, "%s: %s, %s", code, desc, syscall);
  return r < 0 ? NULL : m;
}

static int wx_write_at(int fd, const uint8_t *p, size_t n, off_t at) {
  while (n > 0) {
    ssize_t w = pwrite(fd, p, n, at);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (w == 0) { errno = EIO; return -1; }
    p += w;
    n -= (size_t)w;
    at += w;
  }
  return 0;
}

static int wx_all_zero(const uint8_t *p, size_t n) {
  return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* write-jobs.ts writeSparse: runs of non-zero blocks at their offsets, then the size */
static int wx_write_sparse(int fd, const uint8_t *d, size_t len, const char **call) {
  size_t i = 0;
  while (i < len) {
    size_t end = len - i < WX_SPARSE_BLOCK ? len : i + WX_SPARSE_BLOCK;
    if (wx_all_zero(d + i, end - i)) { i = end; continue; }
    size_t j = end;
    while (j < len) {
      size_t e = len - j < WX_SPARSE_BLOCK ? len : j + WX_SPARSE_BLOCK;
      if (wx_all_zero(d + j, e - j)) break;
      j = e;
    }
    if (wx_write_at(fd, d + i, j - i, (off_t)i) != 0) { *call = "write"; return -1; }
    i = j;
  }
  if (ftruncate(fd, (off_t)len) != 0) { *call = "ftruncate"; return -1; }
  return 0;
}

/* the whole life of one file, on a threadpool thread */
static void wx_run(wx_batch *b, size_t k) {
  wx_job *j = &b->jobs[k];
  char code[48];
  if (j->bad_path) {
    wx_add(b, k, 1, "ERR_INVALID_ARG_VALUE",
           strdup("The argument 'path' must be a string, Uint8Array, or URL without null bytes"));
    return;
  }
  int fd;
  do fd = open(j->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int e = errno;
    char *m = wx_node_message(e, "open", j->tmp, NULL, code);
    wx_add(b, k, 1, code, m);
    return;
  }
  const char *call = "write", *path = NULL, *dest = NULL;
  if (j->sparse) {
    if (wx_write_sparse(fd, j->data, j->len, &call) != 0) goto fail;
  } else if (wx_write_at(fd, j->data, j->len, 0) != 0) {
    goto fail;
  }
  if (!(j->uid == -1 && j->gid == -1) && fchown(fd, (uid_t)j->uid, (gid_t)j->gid) != 0) {
    char *m = wx_node_message(errno, "fchown", NULL, NULL, code);
    char *w = NULL;
    if (m && asprintf(&w, "cannot set owner %lld:%lld: %s", j->uid, j->gid, m) < 0) w = NULL;
    free(m);
    wx_add(b, k, 0, "WARNING", w);
  }
  call = "fchmod";
  if (fchmod(fd, j->mode) != 0) goto fail;
  for (size_t i = 0; i < j->nx; i++) {
    wx_xattr *x = &j->x[i];
    if (x->bad_name) {
      wx_warn_xattr(b, k, x, "path or name holds a NUL byte or is too long");
    } else if (lsetxattr(j->tmp, x->name, x->value, x->len, 0) != 0) {
      char eb[128], why[160];
      snprintf(why, sizeof why, "lsetxattr: %s", strerror_r(errno, eb, sizeof eb));
      wx_warn_xattr(b, k, x, why);
    }
  }
  /* times last: nothing after this changes them (close and rename touch only ctime) */
  call = "futimens";
  if (futimens(fd, j->ts) != 0) goto fail;
  int closed = close(fd);
  fd = -1;
  call = "close";
  if (closed != 0 && errno != EINTR) goto fail; /* Linux frees the fd even on EINTR */
  call = "rename";
  path = j->tmp;
  dest = j->final;
  if (rename(j->tmp, j->final) != 0) goto fail;
  return;
fail: {
    int e = errno;
    if (fd >= 0) close(fd);
    unlink(j->tmp); /* this job created it: open used O_EXCL */
    char *m = wx_node_message(e, call, path, dest, code);
    wx_add(b, k, 1, code, m);
  }
}

static void wx_execute(napi_env env, void *data) {
  (void)env;
  wx_batch *b = data;
  for (size_t k = 0; k < b->njobs; k++) wx_run(b, k);
}

static void wx_free(napi_env env, wx_batch *b) {
  if (b->bufs_ref) napi_delete_reference(env, b->bufs_ref);
  if (b->work) napi_delete_async_work(env, b->work);
  for (size_t i = 0; i < b->nproblems; i++) free(b->problems[i].message);
  free(b->problems);
  free(b->text);
  free(b->jobs);
  free(b->xattrs);
  free(b);
}

static void wx_complete(napi_env env, napi_status status, void *data) {
  wx_batch *b = data;
  napi_value result = NULL;
  int ok = status == napi_ok && !b->out_of_memory &&
           napi_create_array_with_length(env, b->nproblems, &result) == napi_ok;
  for (size_t i = 0; ok && i < b->nproblems; i++) {
    wx_problem *p = &b->problems[i];
    napi_value entry, job, kind, code, message;
    ok = napi_create_array_with_length(env, 4, &entry) == napi_ok &&
         napi_create_double(env, (double)p->job, &job) == napi_ok &&
         napi_get_boolean(env, p->is_error, &kind) == napi_ok &&
         napi_create_string_utf8(env, p->code, NAPI_AUTO_LENGTH, &code) == napi_ok &&
         napi_create_string_utf8(env, p->message, p->message_len, &message) == napi_ok &&
         napi_set_element(env, entry, 0, job) == napi_ok &&
         napi_set_element(env, entry, 1, kind) == napi_ok &&
         napi_set_element(env, entry, 2, code) == napi_ok &&
         napi_set_element(env, entry, 3, message) == napi_ok &&
         napi_set_element(env, result, (uint32_t)i, entry) == napi_ok;
  }
  if (ok) {
    napi_resolve_deferred(env, b->deferred, result);
  } else {
    napi_value msg, err;
    const char *text = b->out_of_memory ? "writeFiles: out of memory; files may be partly written"
                                        : "writeFiles: could not report the results";
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &err);
    napi_reject_deferred(env, b->deferred, err);
  }
  wx_free(env, b);
}

/* the next number of `nums`, an integer in [lo, hi]; 0 when missing or not one */
static int wx_num(const double *n, size_t count, size_t *at, double lo, double hi, double *out) {
  if (*at >= count) return 0;
  double v = n[(*at)++];
  if (!isfinite(v) || v != floor(v) || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

/* copies len bytes of `src` into a NUL-terminated string at *dst; 1 when they hold a NUL */
static int wx_copy(char **dst, const char *src, size_t len, char **out) {
  memcpy(*dst, src, len);
  (*dst)[len] = 0;
  *out = *dst;
  *dst += len + 1;
  return memchr(src, 0, len) != NULL;
}

static napi_value wx_fail(napi_env env, wx_batch *b, const char *message) {
  wx_free(env, b);
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

static napi_value js_write_files(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) { napi_throw_type_error(env, NULL, "writeFiles needs 3 arguments"); return NULL; }
  void *sdata;
  size_t slen;
  if (napi_get_buffer_info(env, argv[0], &sdata, &slen) != napi_ok) {
    napi_throw_type_error(env, NULL, "writeFiles: strings must be a Buffer");
    return NULL;
  }
  napi_typedarray_type type;
  size_t count, boff;
  void *ndata;
  napi_value nbuf;
  bool is_array = false;
  uint32_t nbufs = 0;
  if (napi_get_typedarray_info(env, argv[1], &type, &count, &ndata, &nbuf, &boff) != napi_ok ||
      type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "writeFiles: nums must be a Float64Array");
    return NULL;
  }
  if (napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[2], &nbufs) != napi_ok) {
    napi_throw_type_error(env, NULL, "writeFiles: bufs must be an Array");
    return NULL;
  }
  const double *nums = ndata;
  const char *strings = sdata;

  wx_batch *b = calloc(1, sizeof *b);
  if (!b) { napi_throw_error(env, NULL, "writeFiles: out of memory"); return NULL; }

  /* pass 1: check every number and that the lengths add up exactly, and count */
  size_t at = 0, njobs = 0, nxattrs = 0, chars = 0, bufs = 0;
  double v;
  while (at < count) {
    double lens[2];
    for (int i = 0; i < 2; i++) {
      if (!wx_num(nums, count, &at, 0, (double)(slen - chars), &lens[i]))
        return wx_fail(env, b, "writeFiles: bad path length");
      chars += (size_t)lens[i];
    }
    at += WX_FIELDS - 3;
    if (at > count) return wx_fail(env, b, "writeFiles: nums ends inside a job");
    if (!wx_num(nums, count, &at, 0, (double)nbufs, &v)) {
      return wx_fail(env, b, "writeFiles: bad xattr count");
    }
    size_t nx = (size_t)v;
    for (size_t i = 0; i < nx; i++) {
      if (!wx_num(nums, count, &at, 0, (double)(slen - chars), &v))
        return wx_fail(env, b, "writeFiles: bad xattr name length");
      chars += (size_t)v;
    }
    njobs++;
    nxattrs += nx;
    bufs += 1 + nx;
    if (bufs > nbufs) return wx_fail(env, b, "writeFiles: fewer buffers than jobs and xattrs");
  }
  if (chars != slen || bufs != nbufs) {
    return wx_fail(env, b, "writeFiles: strings or bufs do not match nums");
  }

  b->njobs = njobs;
  b->text = malloc(slen + 2 * njobs + nxattrs + 1);
  b->jobs = calloc(njobs ? njobs : 1, sizeof *b->jobs);
  b->xattrs = calloc(nxattrs ? nxattrs : 1, sizeof *b->xattrs);
  if (!b->text || !b->jobs || !b->xattrs) {
    wx_free(env, b);
    napi_throw_error(env, NULL, "writeFiles: out of memory");
    return NULL;
  }

  /* pass 2: fill the jobs; the numbers were shape-checked above, their values are checked now */
  char *dst = b->text;
  const char *src = strings;
  size_t bi = 0, xi = 0;
  at = 0;
  for (size_t k = 0; k < njobs; k++) {
    wx_job *j = &b->jobs[k];
    double f[WX_FIELDS];
    for (int i = 0; i < WX_FIELDS; i++) f[i] = nums[at + i];
    double mode, uid, gid, as, an, ms, mn, sparse;
    at += 2;
    if (!wx_num(nums, count, &at, 0, 07777, &mode) ||
        !wx_num(nums, count, &at, -1, 4294967295.0, &uid) ||
        !wx_num(nums, count, &at, -1, 4294967295.0, &gid) ||
        !wx_num(nums, count, &at, -WX_MAX_SEC, WX_MAX_SEC, &as) ||
        !wx_num(nums, count, &at, 0, 999999999, &an) ||
        !wx_num(nums, count, &at, -WX_MAX_SEC, WX_MAX_SEC, &ms) ||
        !wx_num(nums, count, &at, 0, 999999999, &mn) ||
        !wx_num(nums, count, &at, 0, 1, &sparse)) {
      return wx_fail(env, b, "writeFiles: bad mode, owner, time or flag");
    }
    at++; /* xattr count, checked in pass 1 */
    j->bad_path = wx_copy(&dst, src, (size_t)f[0], &j->tmp);
    src += (size_t)f[0];
    j->bad_path |= wx_copy(&dst, src, (size_t)f[1], &j->final);
    src += (size_t)f[1];
    j->mode = (mode_t)mode;
    j->uid = (long long)uid;
    j->gid = (long long)gid;
    j->ts[0].tv_sec = (time_t)as;
    j->ts[0].tv_nsec = (long)an;
    j->ts[1].tv_sec = (time_t)ms;
    j->ts[1].tv_nsec = (long)mn;
    j->sparse = sparse != 0;
    j->nx = (size_t)f[WX_FIELDS - 1];
    j->x = &b->xattrs[xi];
    xi += j->nx;
    for (size_t i = 0; i <= j->nx; i++) {
      napi_value el;
      napi_typedarray_type t;
      size_t len, off;
      void *p;
      napi_value ab;
      if (napi_get_element(env, argv[2], (uint32_t)bi++, &el) != napi_ok ||
          napi_get_typedarray_info(env, el, &t, &len, &p, &ab, &off) != napi_ok ||
          t != napi_uint8_array) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending) { wx_free(env, b); return NULL; }
        return wx_fail(env, b, "writeFiles: bufs must hold Uint8Arrays");
      }
      if (i == 0) {
        j->data = p;
        j->len = len;
      } else {
        wx_xattr *x = &j->x[i - 1];
        size_t nlen = (size_t)nums[at++];
        x->bad_name = wx_copy(&dst, src, nlen, &x->name) || nlen > WX_MAX_NAME;
        x->name_len = nlen;
        src += nlen;
        x->value = p;
        x->len = len;
      }
    }
  }

  napi_value promise, name;
  if (napi_create_reference(env, argv[2], 1, &b->bufs_ref) != napi_ok ||
      napi_create_promise(env, &b->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "salvage:writeFiles", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, wx_execute, wx_complete, b, &b->work) != napi_ok ||
      napi_queue_async_work(env, b->work) != napi_ok) {
    /* a created promise stays pending forever, but the throw below is what the caller sees */
    wx_free(env, b);
    napi_throw_error(env, NULL, "writeFiles: could not start the work");
    return NULL;
  }
  return promise;
}

/* ---- zstd --------------------------------------------------------------------------------------
 * zstdDecompress(src, dst): every zstd frame in `src` (RFC 8878; skippable frames too) decoded by
 * the system's libzstd into `dst`, at most dst.length bytes; returns the bytes written, or throws
 * "zstd: <libzstd's error name>" for corrupt, truncated or oversize input. compress/zstd.ts
 * bounds `dst` from the frame headers first. libzstd.so.1 is opened at run time (dlopen), so this
 * helper builds without its headers and loads without the library: zstdVersion() is 0 then, and
 * zstd.ts uses its WASM build. One decompression context per thread that loaded the helper (each
 * Node environment has its own instance data), freed with that environment.
 */

typedef struct zs_dctx zs_dctx;
static struct {
  zs_dctx *(*create)(void);
  size_t (*free_ctx)(zs_dctx *);
  size_t (*decompress)(zs_dctx *, void *, size_t, const void *, size_t);
  unsigned (*is_error)(size_t);
  const char *(*error_name)(size_t);
  unsigned version;
} zs;
static pthread_once_t zs_once = PTHREAD_ONCE_INIT;

/* ZSTD_decompressDCtx and the rest have had these signatures since libzstd 1.0 */
#define ZS_MIN_VERSION 10400

static void zs_load(void) {
  static const char *const names[] = {"libzstd.so.1", "libzstd.so", "libzstd.1.dylib"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) continue;
    unsigned (*version)(void) = (unsigned (*)(void))dlsym(h, "ZSTD_versionNumber");
    zs.create = (zs_dctx * (*)(void)) dlsym(h, "ZSTD_createDCtx");
    zs.free_ctx = (size_t(*)(zs_dctx *))dlsym(h, "ZSTD_freeDCtx");
    zs.decompress = (size_t(*)(zs_dctx *, void *, size_t, const void *, size_t))dlsym(
        h, "ZSTD_decompressDCtx");
    zs.is_error = (unsigned (*)(size_t))dlsym(h, "ZSTD_isError");
    zs.error_name = (const char *(*)(size_t))dlsym(h, "ZSTD_getErrorName");
    if (version && zs.create && zs.free_ctx && zs.decompress && zs.is_error && zs.error_name &&
        version() >= ZS_MIN_VERSION) {
      zs.version = version();
      return;
    }
    memset(&zs, 0, sizeof zs);
    dlclose(h);
  }
}

typedef struct {
  zs_dctx *dctx;
} env_data;

static void env_data_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  env_data *d = data;
  if (d->dctx) zs.free_ctx(d->dctx);
  free(d);
}

static napi_value js_zstd_version(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_once(&zs_once, zs_load);
  napi_value out;
  napi_create_uint32(env, zs.version, &out);
  return out;
}

static int typed_bytes(napi_env env, napi_value v, uint8_t **p, size_t *len) {
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  void *data;
  if (napi_get_typedarray_info(env, v, &t, len, &data, &ab, &off) != napi_ok ||
      t != napi_uint8_array)
    return 0;
  *p = data;
  return 1;
}

static napi_value js_zstd_decompress(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "zstdDecompress(src, dst) takes two Uint8Arrays");
    return NULL;
  }
  uint8_t *src, *dst;
  size_t slen, dlen;
  if (!typed_bytes(env, argv[0], &src, &slen) || !typed_bytes(env, argv[1], &dst, &dlen)) {
    napi_throw_type_error(env, NULL, "zstdDecompress(src, dst) takes two Uint8Arrays");
    return NULL;
  }
  pthread_once(&zs_once, zs_load);
  env_data *d = NULL;
  if (!zs.version || napi_get_instance_data(env, (void **)&d) != napi_ok || !d) {
    napi_throw_error(env, NULL, "zstd: libzstd is not loaded");
    return NULL;
  }
  if (!d->dctx && !(d->dctx = zs.create())) {
    napi_throw_error(env, NULL, "zstd: out of memory");
    return NULL;
  }
  /* an empty view may have a NULL data pointer; libzstd wants a real one */
  static uint8_t none;
  size_t n = zs.decompress(d->dctx, dlen ? dst : &none, dlen, slen ? src : &none, slen);
  if (zs.is_error(n)) {
    char m[160];
    snprintf(m, sizeof m, "zstd: %s", zs.error_name(n));
    napi_throw_error(env, "ZSTD_ERROR", m);
    return NULL;
  }
  napi_value out;
  napi_create_double(env, (double)n, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"utimens", NULL, js_utimens, NULL, NULL, NULL, napi_default, NULL},
    {"mkfifo", NULL, js_mkfifo, NULL, NULL, NULL, napi_default, NULL},
    {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_default, NULL},
    {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_default, NULL},
    {"writeFiles", NULL, js_write_files, NULL, NULL, NULL, napi_default, NULL},
    {"zstdVersion", NULL, js_zstd_version, NULL, NULL, NULL, napi_default, NULL},
    {"zstdDecompress", NULL, js_zstd_decompress, NULL, NULL, NULL, napi_default, NULL},
  };
  env_data *d = calloc(1, sizeof *d);
  if (!d || napi_set_instance_data(env, d, env_data_free, NULL) != napi_ok) free(d);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
