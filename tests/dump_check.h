/* tests/dump_check.h: what the suites that call bpf/dump.h directly share
 * to check a dump: the dump as text, strict JSON parsing, and bpftool's
 * dump of the same map as the oracle. Failures fail the running test. */
#ifndef BPFPIN_TESTS_DUMP_CHECK_H
#define BPFPIN_TESTS_DUMP_CHECK_H

#include <stdint.h>

#include <json-c/json.h>

#include "bpf/dump.h"

extern const struct dump_opts td_compact, td_pretty, td_table;

/* The whole contents of a regular file or memfd, as a string. */
char *td_read_fd(int fd);
/* dump_map() of map_fd into memory, as a string; it must succeed. */
char *td_dump(int map_fd, const struct dump_opts *o);
/* The whole text as one JSON value (a trailing newline aside). */
json_object *td_parse(const char *s);
uint32_t td_map_id(int fd);
/* `bpftool FLAGS map dump id N` of map_fd. */
char *td_bpftool(int map_fd, const char *flags);
void td_assert_json_equal(const char *mine, const char *theirs);
/* Equal texts, or a failure that shows where they part. */
void td_assert_same_text(const char *mine, const char *theirs,
			 const char *what);
/* A little-endian number from bpftool's ["0x2a", ...] bytes. */
uint64_t td_hex_u64(json_object *bytes);

#endif
