/* cli/output_text.c: the text backend: names one per line, ls -l's long
 * lines, a stat(1)-like block, and bpftool's show layout for objects. */
#include "config.h"

#include <stdio.h>

#include "cli/ids.h"
#include "cli/mode.h"
#include "cli/output.h"

static void list_nop(void)
{
}

static void list_heading(const char *dir, bool first)
{
	printf("%s%s:\n", first ? "" : "\n", dir);
}

/* The object column of ls -l: "map:hash id 17". */
static void print_object(const struct bpfpin_stat *st)
{
	if (st->type == BPFPIN_NODE_PIN)
		printf("  %s:%s id %u", out_kind_name(st->obj_kind),
		       st->obj_type_name, st->obj_id);
}

static void long_entry(const struct out_node *n)
{
	const struct bpfpin_stat *st = n->st;
	char mode[11], when[32];

	mode_string(st->mode, mode);
	out_time(when, sizeof(when), &st->mtime, false);
	printf("%s %2u %-8s %-8s %8llu %s %s", mode, st->nlink,
	       ids_user(st->uid), ids_group(st->gid),
	       (unsigned long long)st->size, when, n->name);
	if (n->target)
		printf(" -> %s", n->target);
	print_object(st);
	putchar('\n');
}

static void list_entry(const struct out_node *n, bool lng)
{
	if (lng)
		long_entry(n);
	else
		puts(n->name);
}

static const char *type_name(enum bpfpin_node_type type)
{
	return type == BPFPIN_NODE_DIR ? "directory" :
	       type == BPFPIN_NODE_SYMLINK ? "symbolic link" : "pin";
}

static void print_times(const struct bpfpin_stat *st)
{
	char buf[64];

	out_time(buf, sizeof(buf), &st->atime, true);
	printf("Access: %s\n", buf);
	out_time(buf, sizeof(buf), &st->mtime, true);
	printf("Modify: %s\n", buf);
	out_time(buf, sizeof(buf), &st->ctime, true);
	printf("Change: %s\n", buf);
}

static void node(const struct out_node *n, struct json_object *info)
{
	const struct bpfpin_stat *st = n->st;
	char mode[11];

	mode_string(st->mode, mode);
	printf("  File: %s%s%s\n", n->path, n->target ? " -> " : "",
	       n->target ? n->target : "");
	printf("  Size: %-10llu  Type: %s\n", (unsigned long long)st->size,
	       type_name(st->type));
	printf(" Inode: %-10llu  Links: %u  Pid: %d\n",
	       (unsigned long long)st->ino, st->nlink, st->pid);
	printf("Access: (%04o/%s)  Uid: (%u/%s)  Gid: (%u/%s)\n",
	       st->mode & 07777, mode, st->uid, ids_user(st->uid), st->gid,
	       ids_group(st->gid));
	print_times(st);
	if (st->type == BPFPIN_NODE_PIN)
		printf("Object: %s:%s id %u%s%s\n", out_kind_name(st->obj_kind),
		       st->obj_type_name, st->obj_id, st->obj_name[0] ? " name " : "",
		       st->obj_name);
	if (n->prov)
		prov_text_print(stdout, n->prov);
	if (info)
		info_text_print(stdout, st->obj_kind, info);
}

static void info(enum bpfpin_obj_kind kind, struct json_object *obj)
{
	info_text_print(stdout, kind, obj);
}

static void version(const char *v)
{
	printf("bpfpin %s\n", v);
}

static void error(const char *msg)
{
	fflush(stdout);
	fprintf(stderr, "bpfpin: %s\n", msg);
}

const struct output_ops output_text = {
	.list_begin = list_nop,
	.list_heading = list_heading,
	.list_entry = list_entry,
	.list_end = list_nop,
	.node = node,
	.info = info,
	.version = version,
	.error = error,
};
