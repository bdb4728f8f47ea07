/* daemon/conffile.h: bpfpind's configuration file (bpfpind.conf(5)): lines
 * of `name = value`, or `name` alone for a flag, where name is a long
 * option without "--"; `#` starts a comment line; blank lines are
 * skipped. Bounded: a file of at most CONFIG_MAX_BYTES, lines of at most
 * CONFIG_MAX_LINE bytes. */
#ifndef BPFPIN_DAEMON_CONFFILE_H
#define BPFPIN_DAEMON_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>

struct options;

#define CONFIG_MAX_BYTES 65536
#define CONFIG_MAX_LINE 1024

/* Apply the file at path to o, line by line. A missing file is no error
 * unless required. 0, or -1 with err[] saying "PATH:LINE: what is wrong"
 * (or "PATH: ..." for the file as a whole); o may then be half set. */
int config_load(struct options *o, const char *path, bool required,
		char *err, size_t len);

#endif
