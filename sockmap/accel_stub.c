/* TEMPORARY stub until accelerate lands (not to be merged). */
#include "config.h"
#include <errno.h>
#include "sockmap/accel.h"
int sockmap_accel_start(int h, int c, const struct sockmap_aux *aux, struct sockmap_accel *out, char *why, size_t len)
{ (void)h; (void)c; (void)aux; (void)out; (void)why; (void)len; return -ENOSYS; }
