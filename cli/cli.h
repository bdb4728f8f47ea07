/* cli/cli.h: what the bpfpin command's files share: the global options,
 * the command table entry, argument parsing, error reporting and the lazy
 * connection to bpfpind. */
#ifndef BPFPIN_CLI_CLI_H
#define BPFPIN_CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpfpin;

/* Exit statuses. CLI_DONE means "stop now, successfully" (help printed). */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2,
	CLI_DONE = 256,
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;   /* "get PATH [rdonly|wronly|rdwr] ..." */
	const char *help;       /* what it does, a few lines */
};

struct cli_global {
	bool json;
	bool pretty;
	const char *socket;     /* -s, or NULL for $BPFPIN_SOCKET / default */
	const struct cmd *cmd;  /* the command being run */
};

extern struct cli_global cli;

/* What cli_args() leaves: the positional arguments (the command name and
 * options removed) and, with CLI_ARGS_TAIL, what followed "--". */
struct cli_args {
	int argc;
	char **argv;
	int tailc;
	char **tail;            /* NULL when there was no "--" */
};

#define CLI_ARGS_TAIL 1 /* keep the words after "--" apart (get -- CMD) */

/* Parse a command's argv (argv[0] is the command's name): the global
 * options (-j -p -s -h) anywhere, and the command's own (getopt syntax;
 * a long option's val must be one of shortopts' letters), each handed to
 * on_opt. A command's letter hides the global one (ln -s). Returns 0,
 * CLI_USAGE (reported) or CLI_DONE (help printed). */
int cli_args(int argc, char **argv, const char *shortopts,
	     const struct option *longopts,
	     int (*on_opt)(int c, const char *arg, void *ctx), void *ctx,
	     int flags, struct cli_args *out);

/* Which entry of table word names, exactly or by a unique prefix as
 * bpftool allows. table is an array of stride-sized elements whose first
 * member is a const char * name, ended by a NULL name. Returns the index,
 * -ENOENT if none matches, -EINVAL if the prefix is ambiguous. */
int cli_match(const char *word, const void *table, size_t stride);
#define CLI_MATCH(word, table) cli_match((word), (table), sizeof((table)[0]))
/* Handle a global option (j, p, s); -ENOENT if c is not one. */
int cli_global_opt(int c, const char *arg);
/* A decimal unsigned 32-bit number, the whole string. 0 or -EINVAL. */
int cli_parse_u32(const char *s, uint32_t *out);

/* Report MSG: "bpfpin: MSG" on stderr, or with -j {"error": MSG} on
 * stdout and nothing on stderr (output.h: out()->error); return CLI_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for a failed call to the daemon: "VERB PATH: reason", reason
 * being the daemon's message when it says more than strerror(-err).
 * Returns CLI_FAIL. */
int cli_fail_call(const char *verb, const char *path, int err);
/* A usage error of the current command: the message, then (in text) a
 * pointer to its help. Returns CLI_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the help of one command on stdout. */
void cli_cmd_help(const struct cmd *c);

/* The connection, opened on first use; NULL after reporting why. */
struct bpfpin *cli_conn(void);
/* The daemon's message for the last failed call ("" if none). */
const char *cli_errmsg(void);
/* Close it (before exec, and at exit). */
void cli_disconnect(void);

/* A command of one argument, PATH, whose answer is JSON text (sock ls,
 * tap rule ls): fn's reply parsed into *root (the caller puts it), or
 * CLI_USAGE / CLI_FAIL reported (cmd_sock.c). */
struct json_object;
typedef int (*cli_json_call)(struct bpfpin *b, const char *path, char **json);
int cli_path_json(int argc, char **argv, const char *verb, cli_json_call fn,
		  struct json_object **root);

/* The commands (cmd_*.c). */
int cmd_pin(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_mkdir(int argc, char **argv);
int cmd_rmdir(int argc, char **argv);
int cmd_mv(int argc, char **argv);
int cmd_ln(int argc, char **argv);
int cmd_chmod(int argc, char **argv);
int cmd_chown(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_lookup(int argc, char **argv);
int cmd_limits(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_sockmap(int argc, char **argv);
int cmd_sock(int argc, char **argv);
int cmd_tap(int argc, char **argv);
/* The namespace paths starting with a word (cmd_complete.c). */
int cmd_complete(int argc, char **argv);

#endif
