/* bpf/obj_file.h: an object file a client sends as an fd (the load op):
 * told apart from everything else without a call that could reach a FUSE
 * server, then read into memory with a bound on its size. */
#ifndef BPFPIN_BPF_OBJ_FILE_H
#define BPFPIN_BPF_OBJ_FILE_H

#include <stddef.h>
#include <stdint.h>

#define OBJ_FILE_MAX (64u << 20)   /* bytes of an object file a load reads */

/* Whether fd is a regular file open for reading, not on a FUSE mount (our
 * own, or another whose server could stall the reader) and at most max
 * bytes, as far as the inode the kernel holds says: only /proc/self/fd,
 * fdinfo, mountinfo, fcntl(F_GETFL) and statx with AT_STATX_DONT_SYNC.
 * 0 with *size set; -EINVAL (not a regular file, or on a FUSE mount),
 * -EBADF (not open for reading) or -EFBIG, with why saying so. */
int obj_file_check(int fd, uint64_t max, uint64_t *size, char *why,
		   size_t whylen);
/* Read the whole file with pread from offset 0 into a malloc'd buffer
 * (*buf, *len); -EFBIG if it has grown past max since the check. */
int obj_file_read(int fd, uint64_t max, void **buf, size_t *len, char *why,
		  size_t whylen);

#endif
