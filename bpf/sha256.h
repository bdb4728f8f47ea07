/* bpf/sha256.h: SHA-256 (FIPS 180-4) of a buffer in memory, to name the
 * bytes of a loaded object file in its provenance record. */
#ifndef BPFPIN_BPF_SHA256_H
#define BPFPIN_BPF_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* The digest in lower-case hex, NUL-terminated (65 bytes). */
void sha256_hex(const uint8_t digest[SHA256_LEN], char out[2 * SHA256_LEN + 1]);

#endif
