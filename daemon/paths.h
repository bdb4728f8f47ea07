/* daemon/paths.h: the directories the daemon needs made before it starts. */
#ifndef BPFPIN_DAEMON_PATHS_H
#define BPFPIN_DAEMON_PATHS_H

#include <sys/types.h>

/* mkdir -p: missing parents get mode 0755, the last component mode. An
 * existing directory is left as it is. 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);
/* mkdir -p of the directory holding path. */
int mkdir_parent(const char *path);

#endif
