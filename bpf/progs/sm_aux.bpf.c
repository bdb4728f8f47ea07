/* bpf/progs/sm_aux.bpf.c: no program, only the aux maps of
 * sm_common.bpf.h with their BTF (sk_storage needs it), from which
 * sockmap_aux_create makes one sockmap's set. */
#include "sm_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";
