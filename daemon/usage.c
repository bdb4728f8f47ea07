/* daemon/usage.c: what each uid holds of the server's limits. */
#include "config.h"

#include <string.h>

#include "daemon/server.h"

void server_usage(const struct server *srv, uid_t uid, struct server_usage *u)
{
	(void)srv;
	(void)uid;
	memset(u, 0, sizeof(*u));
}
