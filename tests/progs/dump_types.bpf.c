/* tests/progs/dump_types.bpf.c: maps typed with every kind of BTF the
 * dump formats (ints of each sign and size, bool, char arrays, enums,
 * nested structs and unions, arrays, bitfields, pointers, typedefs,
 * modifiers, 128-bit ints, floats) and global variables, whose .data,
 * .rodata and .bss maps carry a DATASEC. tests/test_dump.c fills them. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned int dt_u32;
typedef unsigned long long dt_u64;
typedef char dt_tchar;

enum dt_color { DT_RED = 0, DT_GREEN = 1, DT_BLUE = -3, DT_MAX = 0x7fffffff };
enum dt_small { DT_S0, DT_S1, DT_S2 } __attribute__((packed));

struct dt_inner {
	short s;
	unsigned char uc;
	signed char sc;
};

union dt_union {
	unsigned int w;
	unsigned char b[4];
};

struct dt_empty {
};

struct dt_key {
	dt_u32 a;
	unsigned short b;
	unsigned char c[2];
};

struct dt_lpm_key {
	__u32 prefixlen;
	__u8 addr[4];
};

/* 12 bytes: per-CPU values are laid out 16 bytes apart. */
struct dt_pcpu {
	int n;
	int m;
	short s;
};

struct dt_val {
	int i;
	unsigned int u;
	long long ll;
	unsigned long long ull;
	short sh;
	unsigned short ush;
	char c;
	signed char sc;
	unsigned char uc;
	_Bool b;
	char name[12];
	char raw[4];
	dt_tchar tname[4];
	unsigned char bytes[3];
	int grid[2][3];
	struct dt_inner in;
	struct dt_inner ins[2];
	union dt_union un;
	enum dt_color col;
	enum dt_color col_unknown;
	enum dt_small small;
	unsigned int bf1 : 3;
	int bf2 : 5;
	unsigned long long bf3 : 40;
	void *ptr;
	struct dt_inner *iptr;
	dt_u32 td;
	const volatile int cv;
	__int128 i128;
	unsigned __int128 u128;
	struct {
		int ax;
		short ay;
	};
	struct dt_empty empty;
	int none[0];
};

struct dt_float {
	float f;
	double d;
	float inf;
	double nan;
};

#define MAP(n, t, k, v, max, ...) \
	struct { \
		__uint(type, t); \
		__type(key, k); \
		__type(value, v); \
		__uint(max_entries, max); \
		__VA_ARGS__ \
	} n SEC(".maps")

MAP(dt_hash, BPF_MAP_TYPE_HASH, dt_u32, struct dt_val, 16);
MAP(dt_array, BPF_MAP_TYPE_ARRAY, int, struct dt_val, 4);
MAP(dt_pc_hash, BPF_MAP_TYPE_PERCPU_HASH, struct dt_key, struct dt_pcpu, 16);
MAP(dt_pc_array, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, struct dt_pcpu, 3);
MAP(dt_lru, BPF_MAP_TYPE_LRU_HASH, struct dt_key, dt_u64, 16);
MAP(dt_lru_pc, BPF_MAP_TYPE_LRU_PERCPU_HASH, dt_u32, struct dt_inner, 16);
MAP(dt_lpm, BPF_MAP_TYPE_LPM_TRIE, struct dt_lpm_key, struct dt_inner, 16,
    __uint(map_flags, BPF_F_NO_PREALLOC););
MAP(dt_prog_array, BPF_MAP_TYPE_PROG_ARRAY, dt_u32, dt_u32, 4);
MAP(dt_floats, BPF_MAP_TYPE_HASH, int, struct dt_float, 4);
MAP(dt_sk_storage, BPF_MAP_TYPE_SK_STORAGE, int, struct dt_pcpu, 0,
    __uint(map_flags, BPF_F_NO_PREALLOC););
MAP(dt_inode_storage, BPF_MAP_TYPE_INODE_STORAGE, int, struct dt_pcpu, 0,
    __uint(map_flags, BPF_F_NO_PREALLOC););
MAP(dt_task_storage, BPF_MAP_TYPE_TASK_STORAGE, int, struct dt_pcpu, 0,
    __uint(map_flags, BPF_F_NO_PREALLOC););
/* BPF_MAP_TYPE_CGRP_STORAGE, newer than these uapi headers. */
MAP(dt_cgrp_storage, 32, int, struct dt_pcpu, 0,
    __uint(map_flags, BPF_F_NO_PREALLOC););

int dt_data = 5;
long dt_data_arr[2] = { 1, -2 };
const volatile int dt_ro = 7;
struct dt_inner dt_bss;
