/*
 * posix.node: the few POSIX calls Node's fs lacks, for a faithful restore.
 *   utimens(path, atimeSec, atimeNsec, mtimeSec, mtimeNsec)  utimensat(AT_SYMLINK_NOFOLLOW):
 *       Node's fs.lutimes rounds to microseconds; snapshots keep nanoseconds.
 *   mkfifo(path, mode)                                         Node has no mkfifo.
 *   mknod(path, mode, isChar, major, minor)                    Node has no mknod.
 *   lsetxattr(path, name, value)                               Node has no xattr calls.
 * Paths are Buffers (names may be invalid UTF-8). Errors throw with `code` set to the errno
 * name (ENOENT, EPERM, ...), like Node's own fs errors. Built by build.sh with the system C
 * compiler against Node's headers; restore falls back to portable paths when it is absent.
 */
#define _GNU_SOURCE
#include <node_api.h>
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"utimens", NULL, js_utimens, NULL, NULL, NULL, napi_default, NULL},
    {"mkfifo", NULL, js_mkfifo, NULL, NULL, NULL, napi_default, NULL},
    {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_default, NULL},
    {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
