/* bpf/dump_setup.c: everything a dump decides once, before the first
 * entry: the map's info and sizes, the per-CPU layout, the BTF plans of
 * key and value (bpftool's rule: "formatted" when the value has BTF),
 * and the kernel symbols for stack traces. */
#include "config.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "bpf/btf_fmt.h"
#include "bpf/dump_int.h"
#include "bpf/obj.h"

static struct btf *load_btf(const struct bpf_map_info *info)
{
	struct btf *btf;

	if (info->btf_vmlinux_value_type_id)
		btf = btf__load_vmlinux_btf();
	else if (info->btf_value_type_id)
		btf = btf__load_from_kernel_by_id(info->btf_id);
	else
		return NULL;
	return libbpf_get_error(btf) ? NULL : btf;
}

/* A map whose BTF cannot be read or planned is still dumped, without
 * "formatted", rather than not at all. */
static void plan_btf(struct dump_ctx *c)
{
	const struct bpf_map_info *i = &c->info;
	uint32_t vid = i->btf_vmlinux_value_type_id ? i->btf_vmlinux_value_type_id
						   : i->btf_value_type_id;

	c->btf = load_btf(i);
	if (!c->btf)
		return;
	if (btf_fmt_new(c->btf, vid, i->value_size, &c->vfmt))
		return;
	if (i->btf_key_type_id &&
	    btf_fmt_new(c->btf, i->btf_key_type_id, i->key_size, &c->kfmt)) {
		btf_fmt_free(c->vfmt);
		c->vfmt = NULL;
	}
}

/* Programs and links answer the same info call with another layout:
 * make sure fd is a map first. */
int dump_map_info(int fd, struct bpf_map_info *info)
{
	struct obj_ident ident;
	uint32_t len = sizeof(*info);
	char why[128];
	int err = obj_identify(fd, &ident, why, sizeof(why));

	if (err)
		return err;
	if (ident.kind != OBJ_MAP)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	return 0;
}

static void set_sizes(struct dump_ctx *c)
{
	int ncpu = libbpf_num_possible_cpus();

	c->ncpu = 1;
	c->vstride = c->info.value_size;
	c->vbytes = c->info.value_size;
	if (!c->kind->percpu)
		return;
	c->ncpu = ncpu > 0 ? (uint32_t)ncpu : 1;
	c->vstride = (c->info.value_size + 7) & ~7u;
	c->vbytes = c->vstride * c->ncpu;
}

int dump_ctx_init(struct dump_ctx *c, int map_fd, int out_fd,
		  const struct dump_opts *opts)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->map_fd = map_fd;
	c->opts = opts;
	c->table = opts->format == DUMP_TABLE;
	err = dump_map_info(map_fd, &c->info);
	if (err)
		return err;
	c->kind = dump_kind_of(&c->info);
	c->frames = c->info.type == BPF_MAP_TYPE_STACK_TRACE &&
		    opts->kallsyms;
	set_sizes(c);
	err = jw_open(&c->w, out_fd, opts->pretty && !c->table);
	if (err)
		return err;
	/* Even a type that cannot be listed may answer dump_lookup(). */
	plan_btf(c);
	if (c->frames)
		c->ksyms = ksyms_load();
	return 0;
}

void dump_ctx_fini(struct dump_ctx *c)
{
	jw_discard(&c->w);
	btf_fmt_free(c->kfmt);
	btf_fmt_free(c->vfmt);
	btf__free(c->btf);
	ksyms_free(c->ksyms);
	c->kfmt = c->vfmt = NULL;
	c->btf = NULL;
	c->ksyms = NULL;
}
