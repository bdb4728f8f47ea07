/* tests/listen_probe.c: what `bpfpin get PATH -- CMD` hands to CMD, seen
 * the way a socket-activated service sees it. Finds its fd with
 * sd_listen_fds_with_names() and prints "NAME ID WRITE": the fd's name,
 * the kernel id of the map behind it, and what an update through it gives
 * ("ok" or the errno's name: a read-only fd gives EPERM). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <systemd/sd-daemon.h>

int main(void)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	char **names = NULL, *key, *value;
	int n = sd_listen_fds_with_names(1, &names), r;

	if (n != 1) {
		printf("listen fds: %d\n", n);
		return 1;
	}
	r = bpf_obj_get_info_by_fd(SD_LISTEN_FDS_START, &info, &len);
	if (r < 0) {
		printf("info: %s\n", strerror(-r));
		return 1;
	}
	key = calloc(1, info.key_size);
	value = calloc(1, info.value_size);
	if (!key || !value)
		return 1;
	r = bpf_map_update_elem(SD_LISTEN_FDS_START, key, value, BPF_ANY);
	printf("%s %u %s\n", names[0], info.id, r < 0 ? strerrorname_np(-r) : "ok");
	free(key);
	free(value);
	free(names[0]);
	free(names);
	return 0;
}
