/* cli/output.h: how results reach stdout. One vtable per format (text,
 * JSON); the commands walk their results once and call out()'s methods,
 * so both formats print the same things in the same order. */
#ifndef BPFPIN_CLI_OUTPUT_H
#define BPFPIN_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "bpfpin/bpfpin.h"

struct json_object;

/* A node as the CLI shows it. */
struct out_node {
	const char *path;               /* its full path */
	const char *name;               /* what a listing calls it */
	const struct bpfpin_stat *st;
	const char *target;             /* a symlink's target, NULL if unread */
	struct json_object *prov;       /* stat: who loaded / attached it, or NULL */
};

struct output_ops {
	/* A listing (ls, stat of several paths): begin, entries (grouped
	 * under a heading per directory with ls -R), end. */
	void (*list_begin)(void);
	void (*list_heading)(const char *dir, bool first);
	void (*list_entry)(const struct out_node *n, bool lng);
	void (*list_end)(void);
	/* One node with everything known about it (stat); info may be NULL. */
	void (*node)(const struct out_node *n, struct json_object *info);
	/* An object's info in bpftool's show -j shape (get). */
	void (*info)(enum bpfpin_obj_kind kind, struct json_object *info);
	void (*version)(const char *version);
	/* An error's message: on stderr in text; in JSON an {"error": MSG}
	 * on stdout (and nothing on stderr), as bpftool does. */
	void (*error)(const char *msg);
};

extern const struct output_ops output_text;
extern const struct output_ops output_json;

/* The backend for the current options (-j may come after the command). */
const struct output_ops *out(void);
/* Note that something reached stdout outside the vtable (help, a dump). */
void out_wrote(void);
/* Write out what is buffered, before something writes to fd 1 itself (a
 * dump) or exec. 0 or -errno. */
int out_flush(void);
/* Finish stdout: with -j the errors held back, or "null" for a command
 * that printed nothing, as bpftool does, so that stdout is always one
 * JSON value. 0 or -errno (a write error). */
int out_end(void);

/* output_json.c's part of out_flush and out_end. */
int out_json_flush(void);
int out_json_end(bool wrote);

/* Shared by the backends: "map", "prog", "link" ("" for none). */
const char *out_kind_name(enum bpfpin_obj_kind kind);
/* "2025-01-31 12:00" (ls -l) or with seconds, nanoseconds and zone (stat). */
void out_time(char *buf, size_t size, const struct timespec *ts, bool full);

/* prov_text.c: the provenance of a node, in stat's text layout. */
void prov_text_print(FILE *f, struct json_object *prov);

/* info_text.c: the info in the layout of bpftool {map,prog,link} show. */
void info_text_print(FILE *f, enum bpfpin_obj_kind kind,
		     struct json_object *info);

#endif
