/* cli/ids.h: user and group ids as names, both ways (ls -l, chown). */
#ifndef BPFPIN_CLI_IDS_H
#define BPFPIN_CLI_IDS_H

#include <sys/types.h>

/* The name of uid / gid, or its number when it has none. The string lives
 * until the next call of the same function. */
const char *ids_user(uid_t uid);
const char *ids_group(gid_t gid);
/* chown's OWNER[:GROUP], ":GROUP" and "OWNER:" (the owner's login group);
 * names or numbers. An id not given is -1. 0, -EINVAL or -ENOENT (an
 * unknown name). */
int ids_parse_owner(const char *spec, uid_t *uid, gid_t *gid);

#endif
