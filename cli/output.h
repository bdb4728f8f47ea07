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
};

struct output_ops {
	/* A listing (ls): begin, entries (grouped under a heading per
	 * directory with ls -R), end. */
	void (*list_begin)(void);
	void (*list_heading)(const char *dir, bool first);
	void (*list_entry)(const struct out_node *n, bool lng);
	void (*list_end)(void);
	/* One node with everything known about it (stat); info may be NULL. */
	void (*node)(const struct out_node *n, struct json_object *info);
	/* An object's info in bpftool's show -j shape (get). */
	void (*info)(enum bpfpin_obj_kind kind, struct json_object *info);
	void (*version)(const char *version);
	/* An error's message, after it went to stderr. */
	void (*error)(const char *msg);
};

extern const struct output_ops output_text;
extern const struct output_ops output_json;

/* The backend for the current options (-j may come after the command). */
const struct output_ops *out(void);
/* Note that something reached stdout outside the vtable (help, a dump). */
void out_wrote(void);
/* Finish stdout: with -j a command that printed nothing prints "null", as
 * bpftool does, so that stdout is always one JSON value or more. */
void out_end(void);

/* Shared by the backends: "map", "prog", "link" ("" for none). */
const char *out_kind_name(enum bpfpin_obj_kind kind);
/* "2025-01-31 12:00" (ls -l) or with seconds, nanoseconds and zone (stat). */
void out_time(char *buf, size_t size, const struct timespec *ts, bool full);

/* info_text.c: the info in the layout of bpftool {map,prog,link} show. */
void info_text_print(FILE *f, enum bpfpin_obj_kind kind,
		     struct json_object *info);

#endif
