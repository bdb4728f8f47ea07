/* daemon/reload.c: SIGHUP: reopen the log file and read the configuration
 * again (the command line still wins over the file). The new options are
 * built whole in a fresh struct first: a bad file is logged with its line
 * and the running configuration kept as it was. Of a good one, what can
 * change live (limits, log level and file, fd cache, load group) is
 * applied; a changed socket, state dir, mount or foreground is logged as
 * needing a restart and kept. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/log.h"
#include "daemon/nofile.h"
#include "daemon/svc.h"
#include "sockmap/sm.h"

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void fixed(const char *name, const char *was, const char *now)
{
	if (!same(was, now))
		log_warnx("reload: %s changed (%s to %s): needs a restart; still %s",
			  name, was ? was : "none", now ? now : "none",
			  was ? was : "none");
}

static void report_fixed(const struct options *o, const struct options *n)
{
	fixed("socket", o->socket_path, n->socket_path);
	fixed("state-dir", o->state_dir, n->state_dir);
	fixed("mount", o->mount_dir, n->mount_dir);
	fixed("foreground", o->foreground ? "on" : "off", n->foreground ? "on" : "off");
	fixed("store", o->fdstore ? "fdstore" : "bpffs", n->fdstore ? "fdstore" : "bpffs");
	if (o->fdstore_max != n->fdstore_max)
		log_warnx("reload: fdstore-max changed (%u to %u): needs a restart; still %u",
			  o->fdstore_max, n->fdstore_max, o->fdstore_max);
	if (o->log_file && !n->log_file)
		log_warnx("reload: log-file %s dropped: needs a restart; still logging there",
			  o->log_file);
}

static void apply_live(struct daemon *d, struct options *n)
{
	struct options *o = &d->opt;

	o->srv_limits = n->srv_limits;
	o->ns_limits = n->ns_limits;
	o->sm_limits = n->sm_limits;
	o->fd_cache = n->fd_cache;
	o->log_level = n->log_level;
	o->load_group_set = n->load_group_set;
	o->load_group = n->load_group;
	if (n->log_file) {
		free(o->log_file);
		o->log_file = n->log_file;
		n->log_file = NULL;
	}
	d->srv.limits = o->srv_limits;
	ns_set_limits(d->srv.ns, &o->ns_limits);
	ns_set_fd_cache(d->srv.ns, o->fd_cache);
	if (d->srv.sm)
		sockmap_mgr_set_limits(d->srv.sm, &o->sm_limits);
	d->srv.load_group_set = o->load_group_set;
	d->srv.load_group = o->load_group;
	log_set_level(o->log_level);
	nofile_raise(o);
}

static void reopen_log(const struct daemon *d)
{
	int r;

	if (d->opt.log_file && (r = log_open_file(d->opt.log_file)) < 0)
		log_warn(r, "reload: reopening the log file %s", d->opt.log_file);
}

void reload(struct daemon *d)
{
	struct options n;
	char err[768];

	svc_notify("RELOADING=1\nSTATUS=reloading the configuration");
	reopen_log(d);
	if (options_reparse(&n, d->argc, d->argv, err, sizeof(err)) < 0) {
		log_error("reload: %s: the running configuration is kept", err);
	} else {
		report_fixed(&d->opt, &n);
		apply_live(d, &n);
		reopen_log(d);
		options_free(&n);
		log_info("reload: configuration from %s applied", d->opt.config_path);
	}
	svc_notify("READY=1");
	status_say(d, NULL);
}
