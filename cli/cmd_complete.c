/* cli/cmd_complete.c: `bpfpin __complete WORD`, a hidden command for the
 * bash completion (packaging/bash-completion/bpfpin): the namespace paths
 * that start with WORD, one a line, directories with a trailing '/'. It
 * lists WORD's directory over the RPC, as ls does; names a line cannot
 * hold (a newline in them) are left out. Quiet: a failure prints nothing
 * on stdout, and exits 1. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfpin/bpfpin.h"
#include "cli/cli.h"

#define COMPLETE_PAGE 256
/* At most this many candidates: more is no help at a prompt. */
#define COMPLETE_MAX 4096
#define COMPLETE_PATH_MAX 4096

/* WORD split at its last '/': dir (with its trailing '/', "/" at least)
 * and the start of a name. A word without a leading '/' is taken from /. */
static int split(const char *word, char *dir, size_t size, const char **part)
{
	const char *slash = strrchr(word, '/');
	int n;

	if (!slash) {
		*part = word;
		n = snprintf(dir, size, "/");
	} else {
		*part = slash + 1;
		n = snprintf(dir, size, "%s%.*s", word[0] == '/' ? "" : "/",
			     (int)(slash + 1 - word), word);
	}
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int print_matches(struct bpfpin *b, const char *dir, const char *part)
{
	struct bpfpin_dirent *ents = malloc(COMPLETE_PAGE * sizeof(*ents));
	size_t plen = strlen(part), shown = 0;
	uint64_t cursor = 0;
	int n;

	if (!ents)
		return CLI_FAIL;
	do {
		n = bpfpin_list(b, dir, &cursor, ents, COMPLETE_PAGE);
		for (int i = 0; i < n && shown < COMPLETE_MAX; i++) {
			const char *name = ents[i].name;

			if (strncmp(name, part, plen) || strchr(name, '\n'))
				continue;
			printf("%s%s%s\n", dir, name,
			       ents[i].st.type == BPFPIN_NODE_DIR ? "/" : "");
			shown++;
		}
	} while (n > 0 && shown < COMPLETE_MAX);
	free(ents);
	return n < 0 ? CLI_FAIL : CLI_OK;
}

int cmd_complete(int argc, char **argv)
{
	char dir[COMPLETE_PATH_MAX];
	const char *part;
	struct bpfpin *b;

	if (argc > 2 || split(argc == 2 ? argv[1] : "", dir, sizeof(dir), &part))
		return CLI_USAGE;
	b = cli_conn();
	return b ? print_matches(b, dir, part) : CLI_FAIL;
}
