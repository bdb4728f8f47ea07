/* tests/test_ns_prov.c: the provenance API (ns_set_prov, ns_get_prov) on
 * a real store: a load record with a file name and SHA-256 and an attach
 * record on one pin, kept across a reopen of the namespace (the file
 * replayed), shared by hard links, gone with the last name, and the
 * inputs it refuses. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/ns.h"
#include "tests/test_ns_fix.h"

static struct nsf *const fx = &nsf_cur;

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static struct ns_prov loaded(void)
{
	struct ns_prov p = { .kind = NS_PROV_LOADED, .uid = 1000, .pid = 42,
			     .time = { .tv_sec = 1700000000, .tv_nsec = 5 } };

	snprintf(p.file, sizeof(p.file), "prog \xc3\xa9 1.o");
	snprintf(p.sha256, sizeof(p.sha256), "%s", SHA);
	return p;
}

static void pin(const char *path)
{
	struct ns_cred root = nsf_root();

	cr_assert_eq(ns_pin(fx->ns, &root, NS_AT(path), fx->map, NULL, 0, NULL), 0);
}

Test(prov, records_survive_a_reopen_and_go_with_the_last_name,
     .init = nsf_init, .fini = nsf_fini)
{
	struct ns_prov l = loaded(), a = { .kind = NS_PROV_ATTACHED, .uid = 7,
					   .pid = 9 }, got;
	struct ns_cred root = nsf_root();

	pin("/p");
	cr_assert_eq(ns_get_prov(fx->ns, NS_AT("/p"), NS_PROV_LOADED, &got), -ENODATA);
	cr_assert_eq(ns_set_prov(fx->ns, NS_AT("/p"), &l), 0);
	cr_assert_eq(ns_set_prov(fx->ns, NS_AT("/p"), &a), 0);
	cr_assert_eq(ns_link(fx->ns, &root, NS_AT("/p"), NS_AT("/q"), NULL), 0);
	nsf_reopen(fx);
	cr_assert_eq(ns_get_prov(fx->ns, NS_AT("/q"), NS_PROV_LOADED, &got), 0);
	cr_assert_str_eq(got.file, l.file);
	cr_assert_str_eq(got.sha256, SHA);
	cr_assert_eq(got.uid, 1000);
	cr_assert_eq(got.pid, 42);
	cr_assert_eq(got.time.tv_sec, 1700000000);
	cr_assert_eq(got.time.tv_nsec, 5);
	cr_assert_eq(ns_get_prov(fx->ns, NS_AT("/p"), NS_PROV_ATTACHED, &got), 0);
	cr_assert_eq(got.uid, 7);
	cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/p")), 0);
	cr_assert_eq(ns_get_prov(fx->ns, NS_AT("/q"), NS_PROV_ATTACHED, &got), 0);
	cr_assert_eq(ns_unlink(fx->ns, &root, NS_AT("/q")), 0);
	pin("/q");
	nsf_reopen(fx);
	cr_assert_eq(ns_get_prov(fx->ns, NS_AT("/q"), NS_PROV_LOADED, &got), -ENODATA,
		     "a new pin at the name got the old one's record");
}

Test(prov, bad_records_are_refused, .init = nsf_init, .fini = nsf_fini)
{
	struct ns_prov p = loaded();

	pin("/p");
	cr_assert_eq(ns_set_prov(fx->ns, NS_AT("/nope"), &p), -ENOENT);
	cr_assert_eq(ns_set_prov(fx->ns, NS_AT("/"), &p), -EINVAL);
	p.sha256[3] = 'X';
	cr_assert_eq(ns_set_prov(fx->ns, NS_AT("/p"), &p), -EINVAL);
	p = loaded();
	p.file[0] = (char)0xff;
	cr_assert_eq(ns_set_prov(fx->ns, NS_AT("/p"), &p), -EILSEQ);
	p = loaded();
	memset(p.file, 'a', sizeof(p.file));
	cr_assert_eq(ns_set_prov(fx->ns, NS_AT("/p"), &p), -ENAMETOOLONG);
}
