/* tests/opspec.h: every op of the protocol with its members, a valid
 * value of each and its class: the table the bad-input suite builds its
 * requests from, and the one the doc check compares doc/protocol.md to. */
#ifndef BPFPIN_TESTS_OPSPEC_H
#define BPFPIN_TESTS_OPSPEC_H

#include <stddef.h>

enum cls { C_PATH, C_STR, C_INT, C_BOOL, C_ACCESS, C_PATHS, C_FLAGS, C_FD, C_MAPS, C_KEY };

#define OPSPEC_MEMBERS 10

struct mspec {
	const char *name;
	enum cls cls;
	const char *good;       /* a valid value */
};

struct opspec {
	const char *op;
	int nfds;               /* fds a valid request carries */
	struct mspec m[OPSPEC_MEMBERS];
};

extern const struct opspec op_specs[];
extern const size_t n_op_specs;

/* The spec of op, or NULL. */
const struct opspec *opspec_find(const char *op);
/* What a valid request of op gets ("ok" or an errno name): nothing
 * exists under /nope. */
const char *opspec_valid_answer(const char *op);
/* The members of o as JSON members ("a":1,"b":2), with member k (if
 * >= 0) set to value, and member skip (if >= 0) left out. */
void opspec_members(const struct opspec *o, int k, const char *value,
		    int skip, char *buf, size_t size);

#endif
