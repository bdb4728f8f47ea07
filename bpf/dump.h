/* bpf/dump.h: the contents of a BPF map as JSON (bpftool's `map dump -j`
 * and `-p`, for every map type) or as a table for humans, streamed to a
 * file descriptor in bounded memory; one entry by key; keys from text. */
#ifndef BPFPIN_BPF_DUMP_H
#define BPFPIN_BPF_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The most parts (and threads) one map is read in. */
#define DUMP_PARTS_MAX 4

struct dump_opts {
	bool pretty;          /* indented like bpftool -p; else compact like -j */
	enum dump_format { DUMP_JSON, DUMP_TABLE } format;  /* TABLE: a readable text table for humans */
	int kallsyms;         /* stack_trace: 1 = resolve symbols from /proc/kallsyms (if readable & not all zero) */
	const char *spill_dir;  /* a large hash map is read by one thread per
				 * CPU, each after the first spilling its part
				 * to an unlinked file here; NULL: one thread */
	unsigned threads;       /* for that: 0 = one per CPU the caller may
				 * run on; at most 4 */
	/* Unset: each later part's spill is copied to out_fd. Set: handed
	 * over instead, in order, once all output before it is in out_fd:
	 * the spill's fd (the callee's from then on, even on error) and the
	 * range of it [off, off + len) that continues the document. */
	int (*take_part)(void *arg, int fd, off_t off, off_t len);
	void *take_arg;
};

/* Write the whole dump of map_fd to out_fd (a file, memfd, pipe or
 * socket) through a fixed-size buffer; returns 0 or -errno. The memory
 * used is bounded (independent of the map's size). A map type that
 * cannot be read from user space dumps as one JSON object that names the
 * type and says why ({"error":..,"type":..,"id":..}), and returns 0.
 * A non-blocking out_fd is waited for. A socket whose peer is gone gives
 * -EPIPE; a pipe whose reader is gone raises SIGPIPE, as write(2) does.
 * -EAGAIN: a map read in parts lost so many entries during the read that
 * the parts could not be joined without printing some twice; read again. */
int dump_map(int map_fd, int out_fd, const struct dump_opts *opts);

/* One entry: key given as raw bytes; writes {"key":..,"value":..[,"formatted":..]}
 * (for per-CPU maps "values" as in the dump). -ENOENT (nothing written)
 * when the key is absent, -EINVAL when key_size is not the map's. */
int dump_lookup(int map_fd, const void *key, uint32_t key_size, int out_fd,
		const struct dump_opts *opts);

/* Parse a key from text: hex bytes ("0x01 0x00 ..." or "01 00 00 00" or "01000000"), or for a map with BTF a JSON value typed by the key's BTF (e.g. 5 or {"a":1,"b":2}).
 * Text that starts with 0x, or that holds more than one word, is read as
 * hex bytes; otherwise a map whose key has BTF reads it as JSON first.
 * 0 or -errno with a message in err. */
int dump_parse_key(int map_fd, const char *text, void *key, uint32_t key_size,
		   char *err, size_t errlen);

#endif
