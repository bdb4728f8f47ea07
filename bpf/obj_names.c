/* bpf/obj_names.c: the names of map, program, link and attach types.
 * bpftool (v7) prints exactly what libbpf's libbpf_bpf_*_type_str() return,
 * so asking libbpf keeps us equal to the bpftool of the same libbpf, and
 * unknown (newer) types stay numbers in both. */
#include "config.h"

#include <bpf/libbpf.h>

#include "bpf/obj.h"
#include "bpf/obj_int.h"

const char *obj_map_type_name(uint32_t type)
{
	return libbpf_bpf_map_type_str((enum bpf_map_type)type);
}

const char *obj_prog_type_name(uint32_t type)
{
	return libbpf_bpf_prog_type_str((enum bpf_prog_type)type);
}

const char *obj_link_type_name(uint32_t type)
{
	return libbpf_bpf_link_type_str((enum bpf_link_type)type);
}

const char *obj_attach_type_name(uint32_t type)
{
	return libbpf_bpf_attach_type_str((enum bpf_attach_type)type);
}
