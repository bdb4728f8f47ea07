/* lib/utf8.h: UTF-8 validation (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), shared by the RPC codec (JSON
 * strings must be UTF-8) and the namespace (names and targets are). */
#ifndef BPFPIN_UTF8_H
#define BPFPIN_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid sequence at s (at most n bytes left, n > 0), or 0
 * if none starts there. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* Whether s[0..len) is valid UTF-8. */
bool utf8_valid(const char *s, size_t len);

#endif
