/* bpf/dump_ksym.c: kernel text symbols from /proc/kallsyms, sorted once
 * per dump so that every stack frame resolves by binary search. When the
 * kernel hides addresses from the reader (kptr_restrict), they all read
 * as zero and no symbols are offered. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/dump_int.h"

struct ksym {
	uint64_t addr;
	uint32_t name;      /* offset in names */
};

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
};

static int push(struct ksyms *k, uint64_t addr, const char *name)
{
	size_t len = strlen(name) + 1;

	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 4096;
		struct ksym *s = realloc(k->syms, cap * sizeof(*s));

		if (!s)
			return -1;
		k->syms = s;
		k->cap = cap;
	}
	if (k->names_len + len > k->names_cap) {
		size_t cap = k->names_cap ? 2 * k->names_cap : 65536;
		char *s;

		while (cap < k->names_len + len)
			cap *= 2;
		s = realloc(k->names, cap);
		if (!s)
			return -1;
		k->names = s;
		k->names_cap = cap;
	}
	memcpy(k->names + k->names_len, name, len);
	k->syms[k->n].addr = addr;
	k->syms[k->n].name = (uint32_t)k->names_len;
	k->names_len += len;
	k->n++;
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Lines read "ffffffff81000000 T _stext [module]"; text symbols only. */
static int read_all(struct ksyms *k, FILE *f)
{
	char line[512], name[256], type;
	uint64_t addr;

	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type,
			   name) != 3)
			continue;
		if (addr == 0 || !strchr("tTwW", type))
			continue;
		if (push(k, addr, name))
			return -1;
	}
	return 0;
}

struct ksyms *ksyms_load(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	struct ksyms *k;

	if (!f)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k || read_all(k, f) || k->n == 0) {
		fclose(f);
		ksyms_free(k);
		return NULL;
	}
	fclose(f);
	qsort(k->syms, k->n, sizeof(*k->syms), by_addr);
	return k;
}

void ksyms_free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->names);
	free(k);
}

bool ksyms_name(const struct ksyms *k, uint64_t addr, char *buf, size_t len)
{
	size_t lo = 0, hi = k->n;

	/* The last symbol at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	snprintf(buf, len, "%s+0x%" PRIx64, k->names + k->syms[lo - 1].name,
		 addr - k->syms[lo - 1].addr);
	return true;
}
