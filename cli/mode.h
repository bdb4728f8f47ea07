/* cli/mode.h: file modes as people write them: ls's "drwxr-xr-x", and
 * chmod's octal and symbolic ("u+rw,go-w", "a=rX") forms. */
#ifndef BPFPIN_CLI_MODE_H
#define BPFPIN_CLI_MODE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ls -l's ten characters (and a NUL) for a full st_mode. */
void mode_string(uint32_t mode, char buf[11]);
/* True when spec is octal, so that no current mode is needed. */
bool mode_is_octal(const char *spec);
/* Apply spec to the permission bits of mode (cur, a full st_mode: it
 * decides X and the copies in "g=u"); umask limits the bits of clauses
 * that name no user class, as in chmod(1). 0 or -EINVAL. */
int mode_parse(const char *spec, uint32_t cur, mode_t umask, uint32_t *out);

#endif
