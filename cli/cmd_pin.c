/* cli/cmd_pin.c: the commands that move objects between the kernel and
 * bpfpind: pin (from a kernel id, a kernel pin or an inherited fd), get
 * (print the info, or hand the fd to a command as socket activation
 * does) and export (to a kernel bpffs, which is never mounted for you). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <json-c/json.h>

#include "bpf/obj.h"
#include "bpfpin/bpfpin.h"
#include "cli/cli.h"
#include "cli/output.h"

/* sd_listen_fds(3)'s first fd (LISTEN_FDS_START). */
#define LISTEN_FD 3

/* In the order of enum obj_kind - 1. */
static const char *const kinds[] = { "map", "prog", "link", NULL };

struct source {
	int fd;
	bool owned;             /* opened here, so closed here */
};

static int open_by_id(int kind, const char *word, struct source *src)
{
	uint32_t id;
	int fd;

	if (cli_parse_u32(word, &id) < 0)
		return cli_usage("bad id '%s'", word);
	fd = kind == 0 ? bpf_map_get_fd_by_id(id) :
	     kind == 1 ? bpf_prog_get_fd_by_id(id) : bpf_link_get_fd_by_id(id);
	if (fd < 0)
		return cli_fail("pin %s id %u: %s", kinds[kind], id, strerror(-fd));
	*src = (struct source){ .fd = fd, .owned = true };
	return 0;
}

/* kind < 0: any object; else it must be that kind, as bpftool checks. */
static int open_pinned(int kind, const char *kpath, struct source *src)
{
	struct obj_ident ident;
	char why[128];
	int fd = bpf_obj_get(kpath), r;

	if (fd < 0)
		return cli_fail("pin %s: %s", kpath, strerror(-fd));
	if (kind >= 0) {
		r = obj_identify(fd, &ident, why, sizeof(why));
		if (r < 0 || (int)ident.kind != kind + 1) {
			close(fd);
			return cli_fail("pin %s: not a %s%s%s", kpath, kinds[kind],
					r < 0 ? ": " : "", r < 0 ? why : "");
		}
	}
	*src = (struct source){ .fd = fd, .owned = true };
	return 0;
}

static int inherited_fd(const char *word, struct source *src)
{
	uint32_t fd;

	if (cli_parse_u32(word, &fd) < 0 || fd > INT32_MAX)
		return cli_usage("bad fd '%s'", word);
	if (fcntl((int)fd, F_GETFD) < 0)
		return cli_fail("pin fd %u: %s", fd, strerror(errno));
	*src = (struct source){ .fd = (int)fd, .owned = false };
	return 0;
}

/* SRC is argv[0..argc - 1); the last word is PATH. */
static int open_source(int argc, char **argv, struct source *src)
{
	static const char *const words[] = { "map", "prog", "link", "pinned",
					     "fd", NULL };
	static const char *const how[] = { "id", "pinned", NULL };
	int w = argc >= 2 ? CLI_MATCH(argv[0], words) : -ENOENT, h;

	if (w < 0)
		return cli_usage("expected map, prog, link, pinned or fd");
	if (w >= 3) {
		if (argc != 3)
			return cli_usage("expected %s %s PATH", words[w],
					 w == 3 ? "KPATH" : "FD");
		return w == 3 ? open_pinned(-1, argv[1], src) :
				inherited_fd(argv[1], src);
	}
	h = argc == 4 ? CLI_MATCH(argv[1], how) : -ENOENT;
	if (h < 0)
		return cli_usage("expected %s {id ID|pinned KPATH} PATH", words[w]);
	return h == 0 ? open_by_id(w, argv[2], src) :
			open_pinned(w, argv[2], src);
}

int cmd_pin(int argc, char **argv)
{
	struct source src = { .fd = -1 };
	struct cli_args a;
	struct bpfpin *b;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a);

	if (r)
		return r;
	r = open_source(a.argc, a.argv, &src);
	if (r)
		return r;
	b = cli_conn();
	r = b ? bpfpin_pin(b, src.fd, a.argv[a.argc - 1], NULL) : 0;
	if (src.owned)
		close(src.fd);
	if (!b)
		return CLI_FAIL;
	return r < 0 ? cli_fail_call("pin", a.argv[a.argc - 1], r) : CLI_OK;
}

/* LISTEN_FDNAMES holds ':'-separated names of printable ASCII; make the
 * pin's name one of those. */
static void fd_name(const char *path, char *name, size_t size)
{
	const char *end = path + strlen(path), *start;
	size_t n;

	while (end > path && end[-1] == '/')
		end--;
	for (start = end; start > path && start[-1] != '/'; start--)
		;
	n = (size_t)(end - start) < size - 1 ? (size_t)(end - start) : size - 1;
	for (size_t i = 0; i < n; i++)
		name[i] = start[i] > ' ' && start[i] < 0x7f && start[i] != ':' ?
			  start[i] : '_';
	name[n] = '\0';
}

/* The object becomes fd 3, inheritable, as sd_listen_fds() expects. */
static int move_to_fd3(int fd)
{
	int r;

	if (fd == LISTEN_FD)
		return fcntl(fd, F_SETFD, 0) < 0 ? -errno : 0;
	r = dup2(fd, LISTEN_FD) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int get_exec(int fd, const char *path, char **argv)
{
	char name[256], pid[16];
	int r;

	cli_disconnect();
	r = move_to_fd3(fd);
	if (r < 0)
		return cli_fail("get %s: fd %d: %s", path, LISTEN_FD, strerror(-r));
	fd_name(path, name, sizeof(name));
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (setenv("LISTEN_FDS", "1", 1) < 0 || setenv("LISTEN_PID", pid, 1) < 0 ||
	    setenv("LISTEN_FDNAMES", name, 1) < 0)
		return cli_fail("get %s: setenv: %s", path, strerror(errno));
	out_flush();
	execvp(argv[0], argv);
	r = errno;
	cli_fail("get %s: exec %s: %s", path, argv[0], strerror(r));
	return r == ENOENT ? 127 : 126;
}

static int print_info(struct bpfpin *b, const char *path)
{
	struct json_object *info;
	struct bpfpin_stat st;
	char *json = NULL;
	int r;

	r = bpfpin_stat(b, path, &st);
	if (r == 0)
		r = bpfpin_info(b, path, &json);
	if (r < 0)
		return cli_fail_call("get", path, r);
	info = json_tokener_parse(json);
	free(json);
	if (!info)
		return cli_fail("get %s: the daemon's info is not JSON", path);
	out()->info(st.obj_kind, info);
	json_object_put(info);
	return CLI_OK;
}

static int parse_access(const struct cli_args *a, int *flags)
{
	static const char *const words[] = { "rdonly", "wronly", "rdwr", NULL };
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	int i;

	if (a->argc < 1 || a->argc > 2)
		return cli_usage("expected PATH [rdonly|wronly|rdwr]");
	if (a->tail && a->tailc == 0)
		return cli_usage("expected a command after --");
	*flags = O_RDWR;
	if (a->argc == 1)
		return 0;
	i = CLI_MATCH(a->argv[1], words);
	if (i < 0)
		return cli_usage("expected rdonly, wronly or rdwr, not '%s'",
				 a->argv[1]);
	*flags = modes[i];
	return 0;
}

int cmd_get(int argc, char **argv)
{
	struct cli_args a;
	struct bpfpin *b;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, CLI_ARGS_TAIL, &a);
	int flags, fd;

	if (r || (r = parse_access(&a, &flags)))
		return r;
	b = cli_conn();
	if (!b)
		return CLI_FAIL;
	fd = bpfpin_get(b, a.argv[0], flags);
	if (fd < 0)
		return cli_fail_call("get", a.argv[0], fd);
	if (a.tail)
		return get_exec(fd, a.argv[0], a.tail);
	close(fd);
	return print_info(b, a.argv[0]);
}

/* Pinning on anything but a bpffs fails in the kernel with a bare EPERM;
 * say why instead. (bpftool mounts a bpffs there; we never do.) */
static int check_bpffs(const char *kpath)
{
	char *copy = strdup(kpath), *dir;
	struct statfs sfs;
	int r = CLI_OK;

	if (!copy)
		return cli_fail("export %s: %s", kpath, strerror(ENOMEM));
	dir = dirname(copy);
	if (statfs(dir, &sfs) < 0)
		r = cli_fail("export %s: %s: %s", kpath, dir, strerror(errno));
	else if (sfs.f_type != BPF_FS_MAGIC)
		r = cli_fail("export %s: %s is not on a bpffs", kpath, dir);
	free(copy);
	return r;
}

int cmd_export(int argc, char **argv)
{
	struct cli_args a;
	struct bpfpin *b;
	int r = cli_args(argc, argv, "", NULL, NULL, NULL, 0, &a), fd;

	if (r)
		return r;
	if (a.argc != 2)
		return cli_usage("expected PATH KPATH");
	r = check_bpffs(a.argv[1]);
	if (r)
		return r;
	b = cli_conn();
	if (!b)
		return CLI_FAIL;
	fd = bpfpin_get(b, a.argv[0], O_RDWR);
	if (fd < 0)
		return cli_fail_call("export", a.argv[0], fd);
	r = bpf_obj_pin(fd, a.argv[1]);
	close(fd);
	if (r < 0)
		return cli_fail("export %s: %s", a.argv[1], strerror(-r));
	return CLI_OK;
}
