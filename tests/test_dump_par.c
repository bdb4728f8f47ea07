/* tests/test_dump_par.c: large maps of the hash family read by several
 * threads at once (bpf/dump_par.c): the same bytes as one walk and as
 * bpftool, for every layout, sparse and empty maps, a map changing under
 * the walk, and what happens when the spill directory fails. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <criterion/criterion.h>

#include "bpf/dump.h"
#include "tests/dump_check.h"
#include "tests/harness.h"
#include "tests/maps.h"

TestSuite(dump_par, .timeout = 240);

static struct dump_opts by_threads(const struct dump_opts *layout,
				 unsigned threads, const char *spill_dir)
{
	struct dump_opts o = *layout;

	o.spill_dir = spill_dir;
	o.threads = threads;
	return o;
}

/* Read by 2, 3 and 4 threads, the bytes of one walk, in each layout. */
static void assert_parts_as_one_walk(int fd)
{
	const struct dump_opts *layouts[] = { &td_compact, &td_pretty,
					      &td_table };

	for (size_t l = 0; l < 3; l++) {
		char *one = td_dump(fd, layouts[l]);

		for (unsigned threads = 2; threads <= 4; threads++) {
			struct dump_opts o = by_threads(layouts[l], threads, "/tmp");
			char *split = td_dump(fd, &o);

			td_assert_same_text(split, one, "parts vs one walk");
			free(split);
		}
		free(one);
	}
}

static size_t entries(const char *json)
{
	json_object *j = td_parse(json);
	size_t n = json_object_array_length(j);

	json_object_put(j);
	return n;
}

static int plain_map(uint32_t type, uint32_t max, uint32_t n)
{
	bool percpu = type == BPF_MAP_TYPE_PERCPU_HASH ||
		      type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	int fd = tm_map_new(type, 4, 8, max, NULL);

	tm_fill(fd, 4, percpu ? tm_percpu_bytes(8) : 8, n);
	return fd;
}

Test(dump_par, large_hash_in_parts_is_byte_identical_to_bpftool)
{
	int fd = plain_map(BPF_MAP_TYPE_HASH, 200000, 150000);
	char *j = td_bpftool(fd, "-j"), *p = td_bpftool(fd, "-p");

	for (unsigned threads = 2; threads <= 4; threads++) {
		struct dump_opts oj = by_threads(&td_compact, threads, "/tmp");
		struct dump_opts op = by_threads(&td_pretty, threads, "/tmp");
		char *mj = td_dump(fd, &oj), *mp = td_dump(fd, &op);

		td_assert_same_text(mj, j, "compact vs bpftool -j");
		td_assert_same_text(mp, p, "pretty vs bpftool -p");
		free(mj);
		free(mp);
	}
	free(j);
	free(p);
	close(fd);
}

Test(dump_par, every_hash_type_in_parts_reads_as_one_walk)
{
	const uint32_t types[] = { BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH,
				   BPF_MAP_TYPE_LRU_HASH,
				   BPF_MAP_TYPE_LRU_PERCPU_HASH };

	for (size_t i = 0; i < 4; i++) {
		int fd = plain_map(types[i], 100000, 30000);

		assert_parts_as_one_walk(fd);
		close(fd);
	}
}

Test(dump_par, btf_hash_in_parts_equals_bpftool_and_one_walk)
{
	const uint32_t types[] = { BPF_MAP_TYPE_HASH,
				   BPF_MAP_TYPE_LRU_PERCPU_HASH };

	for (size_t i = 0; i < 2; i++) {
		int fd = tm_btf_hash(types[i], 100000, 30000);
		struct dump_opts o = by_threads(&td_compact, 2, "/tmp");
		char *mine = td_dump(fd, &o), *theirs = td_bpftool(fd, "-j");

		td_assert_json_equal(mine, theirs);
		assert_parts_as_one_walk(fd);
		free(mine);
		free(theirs);
		close(fd);
	}
}

/* A part's first batch runs far past its range: the next parts' entries
 * are dropped from it, none twice, none lost. */
Test(dump_par, sparse_hash_in_parts_repeats_and_loses_no_entry)
{
	const uint32_t counts[] = { 100, 20000 };

	for (size_t i = 0; i < 2; i++) {
		int fd = plain_map(BPF_MAP_TYPE_HASH, 1u << 20, counts[i]);
		struct dump_opts o = by_threads(&td_compact, 4, "/tmp");
		char *s = td_dump(fd, &o);

		cr_assert_eq(entries(s), counts[i]);
		assert_parts_as_one_walk(fd);
		free(s);
		close(fd);
	}
}

Test(dump_par, empty_large_hash_in_parts_is_bpftools_empty_array)
{
	int fd = plain_map(BPF_MAP_TYPE_HASH, 1u << 20, 0);
	struct dump_opts o = by_threads(&td_compact, 4, "/tmp");
	char *s = td_dump(fd, &o), *theirs = td_bpftool(fd, "-j");

	td_assert_same_text(s, theirs, "empty map vs bpftool -j");
	assert_parts_as_one_walk(fd);
	free(s);
	free(theirs);
	close(fd);
}

#define STABLE 100000u

struct churn {
	int fd;
	atomic_bool stop;
};

/* Keys STABLE .. 2*STABLE-1 come and go while the map is read. */
static void *churn_main(void *arg)
{
	struct churn *ch = arg;
	uint64_t v = 7;

	while (!atomic_load(&ch->stop))
		for (uint32_t k = STABLE; k < 2 * STABLE; k += 7) {
			bpf_map_update_elem(ch->fd, &k, &v, BPF_ANY);
			k += 3;
			bpf_map_delete_elem(ch->fd, &k);
		}
	return NULL;
}

/* Every stable key once, no key twice. */
static void assert_each_key_once(const char *s)
{
	json_object *j = td_parse(s);
	size_t n = json_object_array_length(j);
	uint8_t *seen = calloc(2 * STABLE, 1);

	cr_assert_not_null(seen);
	for (size_t i = 0; i < n; i++) {
		json_object *key = json_object_object_get(
			json_object_array_get_idx(j, i), "key");
		uint64_t k = td_hex_u64(key);

		cr_assert_lt(k, 2 * STABLE);
		cr_assert_eq(seen[k]++, 0, "key %llu twice",
			     (unsigned long long)k);
	}
	for (uint32_t k = 0; k < STABLE; k++)
		cr_assert_eq(seen[k], 1, "stable key %u missing", k);
	free(seen);
	json_object_put(j);
}

Test(dump_par, map_changing_under_a_split_read_repeats_no_key)
{
	struct churn ch = { .fd = plain_map(BPF_MAP_TYPE_HASH, 2 * STABLE,
					    STABLE) };
	struct dump_opts o = by_threads(&td_compact, 4, "/tmp");
	pthread_t th;

	cr_assert_eq(pthread_create(&th, NULL, churn_main, &ch), 0);
	for (int round = 0; round < 3; round++) {
		char *s = td_dump(ch.fd, &o);

		assert_each_key_once(s);
		free(s);
	}
	atomic_store(&ch.stop, true);
	pthread_join(th, NULL);
	close(ch.fd);
}

/* A part that cannot write its spill fails the dump with that error,
 * rather than leaving its entries out. */
Test(dump_par, full_spill_dir_fails_the_dump_with_enospc)
{
	char dir[] = "/tmp/bpfpin-spill.XXXXXX";
	int fd = plain_map(BPF_MAP_TYPE_HASH, 200000, 150000);
	int out = memfd_create("dump", MFD_CLOEXEC);
	struct dump_opts o = by_threads(&td_compact, 2, dir);

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(mount("tmpfs", dir, "tmpfs", 0, "size=64k"), 0);
	cr_assert_eq(dump_map(fd, out, &o), -ENOSPC);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	close(out);
	close(fd);
}

Test(dump_par, unusable_spill_dir_reads_in_one_walk)
{
	int fd = plain_map(BPF_MAP_TYPE_HASH, 200000, 50000);
	struct dump_opts o = by_threads(&td_compact, 2, "/nonexistent/spill");
	char *s = td_dump(fd, &o), *one = td_dump(fd, &td_compact);

	td_assert_same_text(s, one, "no spill dir vs one walk");
	free(s);
	free(one);
	close(fd);
}
