/* tests/opspec.c: the ops of the protocol and their members (opspec.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tests/opspec.h"

const struct opspec op_specs[] = {
	{ "hello", 0, { { NULL } } },
	{ "pin", 1, { { "path", C_PATH, "\"/nope/p\"" }, { "fd", C_FD, "0" },
		      { "umask", C_INT, "18" }, { "stat", C_BOOL, "false" } } },
	{ "get", 0, { { "path", C_PATH, "\"/nope\"" }, { "access", C_ACCESS, "\"rdonly\"" },
		      { "info", C_BOOL, "false" }, { "stat", C_BOOL, "true" } } },
	{ "get_many", 0, { { "paths", C_PATHS, "[\"/nope\",\"/nope\",\"/nope\"]" },
			   { "access", C_ACCESS, "\"wronly\"" } } },
	{ "info", 0, { { "path", C_PATH, "\"/nope\"" } } },
	{ "stat", 0, { { "path", C_PATH, "\"/nope\"" }, { "follow", C_BOOL, "false" } } },
	{ "list", 0, { { "path", C_PATH, "\"/nope\"" }, { "cursor", C_INT, "0" },
		       { "limit", C_INT, "10" } } },
	{ "unlink", 0, { { "path", C_PATH, "\"/nope\"" } } },
	{ "mkdir", 0, { { "path", C_PATH, "\"/nope/d\"" }, { "mode", C_INT, "493" },
			{ "umask", C_INT, "18" } } },
	{ "rmdir", 0, { { "path", C_PATH, "\"/nope\"" } } },
	{ "rename", 0, { { "from", C_PATH, "\"/nope\"" }, { "to", C_PATH, "\"/nope2\"" },
			 { "flags", C_FLAGS, "[\"noreplace\"]" } } },
	{ "link", 0, { { "target", C_PATH, "\"/nope\"" }, { "path", C_PATH, "\"/nope/l\"" },
		       { "umask", C_INT, "18" } } },
	{ "symlink", 0, { { "target", C_STR, "\"t\"" }, { "path", C_PATH, "\"/nope/s\"" } } },
	{ "readlink", 0, { { "path", C_PATH, "\"/nope\"" } } },
	{ "chmod", 0, { { "path", C_PATH, "\"/nope\"" }, { "mode", C_INT, "420" } } },
	{ "chown", 0, { { "path", C_PATH, "\"/nope\"" }, { "uid", C_INT, "-1" },
			{ "gid", C_INT, "-1" } } },
	{ "utimens", 0, { { "path", C_PATH, "\"/nope\"" }, { "atime_ns", C_INT, "-1" },
			  { "mtime_ns", C_INT, "0" } } },
	{ "limits", 0, { { "uid", C_INT, "-1" } } },
	{ "load", 1, { { "fd", C_FD, "0" }, { "path", C_PATH, "\"/nope/p\"" },
		       { "type", C_STR, "\"xdp\"" },
		       { "maps", C_MAPS, "[{\"name\":\"m\",\"path\":\"/nope/m\"}]" },
		       { "pinmaps", C_PATH, "\"/nope/m\"" }, { "log_level", C_INT, "1" },
		       { "file", C_STR, "\"x.o\"" }, { "umask", C_INT, "18" } } },
	{ "attach", 1, { { "target", C_STR, "\"cgroup\"" }, { "prog", C_PATH, "\"/nope/p\"" },
			 { "path", C_PATH, "\"/nope/l\"" }, { "attach_type", C_STR, "\"egress\"" },
			 { "fd", C_FD, "0" }, { "dev", C_STR, "\"lo\"" },
			 { "map", C_PATH, "\"/nope/m\"" }, { "tp_name", C_STR, "\"sys_enter\"" },
			 { "replace", C_BOOL, "false" }, { "umask", C_INT, "18" } } },
	{ "detach", 0, { { "path", C_PATH, "\"/nope\"" } } },
	{ "sockmap_create", 0, { { "path", C_PATH, "\"/nope/m\"" },
				 { "type", C_STR, "\"sockhash\"" },
				 { "max_entries", C_INT, "16" }, { "key_size", C_INT, "4" },
				 { "umask", C_INT, "18" } } },
	{ "sockmap_attach", 1, { { "path", C_PATH, "\"/nope/m\"" },
				 { "hook", C_STR, "\"msg_verdict\"" },
				 { "builtin", C_STR, "\"accelerate\"" },
				 { "prog", C_PATH, "\"/nope/p\"" }, { "fd", C_FD, "0" },
				 { "replace", C_BOOL, "false" } } },
	{ "sockmap_detach", 0, { { "path", C_PATH, "\"/nope/m\"" },
				 { "hook", C_STR, "\"msg_verdict\"" } } },
	{ "sock_add", 1, { { "path", C_PATH, "\"/nope/m\"" }, { "fd", C_FD, "0" },
			   { "pid", C_INT, "1" }, { "pid_fd", C_INT, "3" },
			   { "key", C_KEY, "\"auto\"" }, { "peer_fd", C_FD, "0" },
			   { "peer_pid_fd", C_INT, "4" }, { "peer_key", C_KEY, "\"0x01000000\"" },
			   { "mode", C_STR, "\"give\"" }, { "replace", C_BOOL, "true" } } },
	{ "sock_rm", 0, { { "path", C_PATH, "\"/nope/m\"" }, { "key", C_KEY, "3" },
			  { "cookie", C_INT, "5" } } },
	{ "sock_kill", 0, { { "path", C_PATH, "\"/nope/m\"" }, { "key", C_KEY, "3" },
			    { "cookie", C_INT, "5" } } },
	{ "sock_ls", 0, { { "path", C_PATH, "\"/nope/m\"" } } },
	{ "tap_add", 0, { { "path", C_PATH, "\"/nope/m\"" }, { "prefix", C_STR, "\"GET \"" },
			  { "dir", C_STR, "\"rx\"" }, { "action", C_STR, "\"drop\"" } } },
	{ "tap_rm", 0, { { "path", C_PATH, "\"/nope/m\"" }, { "prefix", C_STR, "\"0x4745\"" },
			 { "dir", C_STR, "\"both\"" }, { "action", C_STR, "\"drop\"" } } },
	{ "tap_ls", 0, { { "path", C_PATH, "\"/nope/m\"" } } },
};

const size_t n_op_specs = sizeof(op_specs) / sizeof(op_specs[0]);

const struct opspec *opspec_find(const char *op)
{
	for (size_t i = 0; i < n_op_specs; i++)
		if (!strcmp(op_specs[i].op, op))
			return &op_specs[i];
	return NULL;
}

const char *opspec_valid_answer(const char *op)
{
	static const char *const ok[] = { "hello", "get_many", "limits" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(op, ok[i]))
			return "ok";
	return "ENOENT";
}

void opspec_members(const struct opspec *o, int k, const char *value,
		    int skip, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < OPSPEC_MEMBERS && o->m[i].name; i++)
		if (i != skip)
			n += (size_t)snprintf(buf + n, size - n, "%s\"%s\":%s",
					      n ? "," : "", o->m[i].name,
					      i == k ? value : o->m[i].good);
}
