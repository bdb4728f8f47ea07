/* examples/c/load.c: load an ELF object file in bpfpind with libbpfpin
 * and pin its programs under a path; on failure print the verifier log
 * the daemon sent back (as a memfd), as bpftool does.
 *
 *   cc -o load load.c $(pkg-config --cflags --libs libbpfpin)
 *   ./load OBJ.o PATH [MAPS_DIR]
 *
 * The daemon reads the file from the fd we pass; it never opens our path.
 * Only root and members of bpfpind's --load-group may load. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfpin/bpfpin.h>

static void print_log(int fd)
{
	char buf[4096];
	ssize_t n;
	off_t off = 0;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		fwrite(buf, 1, (size_t)n, stderr);
		off += n;
	}
}

int main(int argc, char **argv)
{
	struct bpfpin_load_opts opts = { .sz = sizeof(opts), .umask = -1 };
	struct bpfpin *b;
	int fd, r;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s OBJ.o PATH [MAPS_DIR]\n", argv[0]);
		return 2;
	}
	opts.pinmaps = argc == 4 ? argv[3] : NULL;
	opts.file_name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	if ((fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if ((r = bpfpin_connect(NULL, &b)) < 0) {
		fprintf(stderr, "connect: %s\n", strerror(-r));
		return 1;
	}
	r = bpfpin_load(b, fd, argv[2], &opts);
	close(fd);
	if (r < 0 && opts.log_fd >= 0)
		print_log(opts.log_fd);
	if (r < 0)
		fprintf(stderr, "load %s: %s\n", argv[1], bpfpin_errmsg(b));
	else
		printf("%s\n", opts.json);     /* what was pinned, who loaded it */
	if (opts.log_fd >= 0)
		close(opts.log_fd);
	free(opts.json);
	bpfpin_close(b);
	return r < 0;
}
