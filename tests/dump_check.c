/* tests/dump_check.c: the dump as text, strict JSON parsing and bpftool's
 * dump as the oracle, for the suites that call bpf/dump.h directly. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "tests/dump_check.h"
#include "tests/harness.h"

const struct dump_opts td_compact = { .format = DUMP_JSON };
const struct dump_opts td_pretty = { .pretty = true };
const struct dump_opts td_table = { .format = DUMP_TABLE };

char *td_read_fd(int fd)
{
	struct stat st;
	char *s;

	cr_assert_eq(fstat(fd, &st), 0);
	s = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(s);
	cr_assert_eq(pread(fd, s, (size_t)st.st_size, 0), st.st_size);
	s[st.st_size] = '\0';
	return s;
}

char *td_dump(int map_fd, const struct dump_opts *o)
{
	int mfd = memfd_create("dump", MFD_CLOEXEC);
	int rc;
	char *s;

	cr_assert_geq(mfd, 0);
	rc = dump_map(map_fd, mfd, o);
	cr_assert_eq(rc, 0, "dump_map: %s", strerror(-rc));
	s = td_read_fd(mfd);
	close(mfd);
	return s;
}

/* The whole text must be one JSON value (a trailing newline aside). */
json_object *td_parse(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	size_t len = strlen(s);
	json_object *j;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	j = json_tokener_parse_ex(tok, s, (int)len);
	cr_assert_not_null(j, "not JSON (%s): %.2000s",
			   json_tokener_error_desc(json_tokener_get_error(tok)),
			   s);
	cr_assert_eq(strspn(s + json_tokener_get_parse_end(tok), "\n"),
		     len - json_tokener_get_parse_end(tok),
		     "text after the JSON value: %.200s",
		     s + json_tokener_get_parse_end(tok));
	json_tokener_free(tok);
	return j;
}

uint32_t td_map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

char *td_bpftool(int map_fd, const char *flags)
{
	int st;
	char *s = th_run(&st, "bpftool %s map dump id %u 2>/dev/null", flags,
			 td_map_id(map_fd));

	cr_assert_not_null(s);
	cr_assert_eq(st, 0, "bpftool %s map dump failed: %s", flags, s);
	return s;
}

void td_assert_json_equal(const char *mine, const char *theirs)
{
	json_object *a = td_parse(mine), *b = td_parse(theirs);

	cr_assert(json_object_equal(a, b),
		  "dump differs from bpftool:\nours:    %.3000s\nbpftool: %.3000s",
		  mine, theirs);
	json_object_put(a);
	json_object_put(b);
}

uint64_t td_hex_u64(json_object *bytes)
{
	uint64_t v = 0;

	for (size_t i = json_object_array_length(bytes); i-- > 0;)
		v = v << 8 | strtoul(json_object_get_string(
				     json_object_array_get_idx(bytes, i)), NULL, 16);
	return v;
}

void td_assert_same_text(const char *mine, const char *theirs,
			 const char *what)
{
	size_t i = 0, from;

	while (mine[i] && mine[i] == theirs[i])
		i++;
	if (!mine[i] && !theirs[i])
		return;
	from = i > 200 ? i - 200 : 0;
	cr_assert_fail("%s: differ at byte %zu of %zu/%zu:\n%.400s\n---\n%.400s",
		       what, i, strlen(mine), strlen(theirs), mine + from,
		       theirs + from);
}
