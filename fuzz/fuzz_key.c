/* fuzz/fuzz_key.c: the key parser of `bpfpin map lookup` (dump_parse_key:
 * hex bytes, or JSON typed by the key's BTF) on real kernel maps, without
 * BTF and with BTF keys of every shape the formatter prints: integers,
 * bitfields, char arrays, enums, 128-bit integers, unions, floats and
 * typedefs. Input: [map][errlen] then the text the user typed. */
#include "config.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/dump.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fmap {
	int fd;
	uint32_t key_size;
};

static struct fmap maps[16];
static int nmaps;

/* The key types, in one BTF the kernel checked; their ids in *ids. */
static struct btf *key_btf(int *ids)
{
	struct btf *b = btf__new_empty();
	int u32, s32, chr, u16s, bl, e, arr, f32, k;

	u32 = btf__add_int(b, "unsigned int", 4, 0);
	s32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	chr = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
	u16s = btf__add_int(b, "short", 2, BTF_INT_SIGNED);
	bl = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
	arr = btf__add_array(b, s32, chr, 6);
	e = btf__add_enum(b, "e", 4);
	btf__add_enum_value(b, "A", 0);
	btf__add_enum_value(b, "B", 1);
	btf__add_enum_value(b, "C", -1);
	k = btf__add_struct(b, "k", 20);
	btf__add_field(b, "a", u32, 0, 12);
	btf__add_field(b, "b", u32, 12, 20);
	btf__add_field(b, "name", arr, 32, 0);
	btf__add_field(b, "e", e, 96, 0);
	btf__add_field(b, "s", u16s, 128, 0);
	btf__add_field(b, "f", bl, 144, 0);
	ids[0] = k;
	ids[1] = e;
	ids[2] = btf__add_int(b, "unsigned __int128", 16, 0);
	ids[3] = btf__add_union(b, "u", 4);
	btf__add_field(b, "a", u32, 0, 0);
	btf__add_field(b, "c", btf__add_array(b, s32, chr, 4), 0, 0);
	f32 = btf__add_float(b, "float", 4);
	ids[4] = btf__add_struct(b, "f", 8);
	btf__add_field(b, "x", f32, 0, 0);
	btf__add_field(b, "y", s32, 32, 0);
	ids[5] = btf__add_typedef(b, "u32_t", btf__add_const(b, u32));
	ids[6] = arr;
	ids[7] = s32;
	if (btf__load_into_kernel(b) < 0) {
		fprintf(stderr, "fuzz_key: the kernel refused the key BTF\n");
		abort();
	}
	return b;
}

static void add_map(int btf_fd, uint32_t key_size, int key_id)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = key_id ? btf_fd : 0,
		    .btf_key_type_id = key_id, .btf_value_type_id = key_id ? 1 : 0);
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "fuzzkey", key_size, 4, 1, &o);

	if (fd < 0) {
		fprintf(stderr, "fuzz_key: map of key %u (type %d): %s\n",
			key_size, key_id, strerror(errno));
		abort();
	}
	maps[nmaps++] = (struct fmap){ fd, key_size };
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint32_t sizes[] = { 20, 4, 16, 4, 8, 4, 6, 4 };
	int ids[8];
	struct btf *b = key_btf(ids);

	add_map(0, 4, 0);
	add_map(0, 1, 0);
	add_map(0, 64, 0);
	for (int i = 0; i < 8; i++)
		add_map(btf__fd(b), sizes[i], ids[i]);
	btf__free(b);   /* the maps hold the kernel's BTF */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[256];
	const struct fmap *m;
	uint32_t key_size;
	size_t errlen;
	uint8_t *key;
	char *text;
	int r;

	if (size < 2)
		return 0;
	m = &maps[data[0] % nmaps];
	key_size = data[0] >= 0xf0 ? m->key_size + 1 : m->key_size;
	errlen = data[1] < 0x10 ? data[1] : sizeof(err);
	text = strndup((const char *)data + 2, size - 2);
	key = malloc(key_size);     /* exactly: a write past it is caught */
	r = dump_parse_key(m->fd, text, key, key_size, errlen ? err : NULL, errlen);
	if (r > 0 || r < -4095)
		abort();
	if (errlen && r < 0 && !memchr(err, '\0', errlen))
		abort();
	free(key);
	free(text);
	return 0;
}
