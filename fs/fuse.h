/* fs/fuse.h: the FUSE face of the pin namespace: mounts it as a bpffs-like
 * filesystem served from the daemon's libevent loop (libfuse3 low-level
 * API). Every operation is one call into fs/ns.h with the caller's
 * credentials; the kernel checks DAC itself (default_permissions). The
 * kernel keeps names and attributes for 1 s (entry and attr timeouts, no
 * invalidations): a change made over the RPC shows within 1 s. Listings,
 * missing names and pin contents are never cached. */
#ifndef BPFPIN_FS_FUSE_H
#define BPFPIN_FS_FUSE_H

struct event_base;
struct ns;
struct fsx;
struct obj_ident;

/* Mount ns at dir (options allow_other, default_permissions, fsname=bpfpin,
 * subtype=bpfpin) and serve it from base's loop, the only thread that
 * touches ns. A stale mount left at dir by a killed daemon (stat gives
 * ENOTCONN) is lazily unmounted and replaced. Dumps of pins read on the
 * mount run on worker threads and are spooled to unlinked files
 * (O_TMPFILE) in spool_dir, a directory only the daemon may enter (its
 * state dir); they go in memory only if its filesystem cannot do that.
 * 0 or -errno. */
int fsx_start(struct fsx **out, struct event_base *base, struct ns *ns,
	      const char *dir, const char *spool_dir);
/* What a map's file shows instead of its dump, where the daemon knows
 * more of it than its entries (a sockmap it manages): fn, called on the
 * loop thread as the file is opened, returns the document as malloc'd
 * JSON text (the file's own), or NULL for the dump. */
typedef char *(*fsx_note_fn)(const struct obj_ident *obj, void *arg);
void fsx_set_note(struct fsx *fsx, fsx_note_fn fn, void *arg);
/* Unmount and free. Completes even if the mount is busy (the unmount is
 * lazy); forgets every lookup reference FUSE held on ns. NULL is a no-op.
 * Call it from the loop thread. */
void fsx_stop(struct fsx *fsx);

#endif
