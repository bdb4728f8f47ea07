/* daemon/conffile.c: read bpfpind.conf (daemon/conffile.h) into struct
 * options through the same setters as the command line. The file is
 * trusted no more than a client: every line is checked, and the first bad
 * one refuses the whole file, naming its line. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/conffile.h"
#include "daemon/options.h"

/* The whole file, NUL-terminated, into buf (CONFIG_MAX_BYTES + 1 bytes):
 * its length, -ENOENT, -EFBIG, -EINVAL (not a regular file), -EPERM (owned
 * by another uid than ours or root's, or writable by group or others: its
 * options act with the daemon's privileges), -errno. */
static ssize_t read_file(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	size_t len = 0;
	struct stat st;
	ssize_t n = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	while (len <= CONFIG_MAX_BYTES &&
	       (n = read(fd, buf + len, CONFIG_MAX_BYTES + 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0)
		return -errno;
	if (len > CONFIG_MAX_BYTES)
		return -EFBIG;
	buf[len] = '\0';
	return (ssize_t)len;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* One line (NUL-terminated, no newline): 0, or -1 with why[]. */
static int config_line(struct options *o, char *line, char *why, size_t len)
{
	char *name = trim(line), *value = NULL, *eq;
	bool takes;
	int code;

	if (!*name || *name == '#')
		return 0;
	if ((eq = strchr(name, '='))) {
		*eq = '\0';
		value = trim(eq + 1);
		name = trim(name);
	}
	if ((code = options_lookup(name, &takes)) < 0 || !options_in_file(code)) {
		snprintf(why, len, code < 0 ? "unknown option '%.64s'" :
			 "'%.64s' is not allowed in a configuration file", name);
		return -1;
	}
	if (takes && (!value || !*value)) {
		snprintf(why, len, "%s needs a value (%s = VALUE)", name, name);
		return -1;
	}
	if (!takes && value) {
		snprintf(why, len, "%s is a flag and takes no value", name);
		return -1;
	}
	return options_set(o, code, value, why, len);
}

static int walk(struct options *o, const char *path, char *text, size_t size,
		char *err, size_t len)
{
	char why[512];
	unsigned lineno = 0;

	for (char *line = text, *nl; line < text + size; line = nl + 1) {
		lineno++;
		if (!(nl = memchr(line, '\n', size - (size_t)(line - text))))
			nl = text + size;
		if ((size_t)(nl - line) > CONFIG_MAX_LINE) {
			snprintf(err, len, "%s:%u: line longer than %d bytes", path,
				 lineno, CONFIG_MAX_LINE);
			return -1;
		}
		*nl = '\0';
		if (strlen(line) != (size_t)(nl - line)) {
			snprintf(err, len, "%s:%u: a NUL byte in the line", path, lineno);
			return -1;
		}
		if (config_line(o, line, why, sizeof(why)) < 0) {
			snprintf(err, len, "%s:%u: %s", path, lineno, why);
			return -1;
		}
	}
	return 0;
}

int config_load(struct options *o, const char *path, bool required,
		char *err, size_t len)
{
	char *text = malloc(CONFIG_MAX_BYTES + 1);
	ssize_t n;
	int r;

	if (!text) {
		snprintf(err, len, "%s: out of memory", path);
		return -1;
	}
	n = read_file(path, text);
	if (n == -ENOENT && !required) {
		free(text);
		return 0;
	}
	if (n < 0) {
		snprintf(err, len, "%s: %s", path, n == -EFBIG ?
			 "larger than 65536 bytes" : n == -EINVAL ?
			 "not a regular file" : n == -EPERM ?
			 "owned by another user or writable by group or others: refused" :
			 strerror((int)-n));
		free(text);
		return -1;
	}
	r = walk(o, path, text, (size_t)n, err, len);
	free(text);
	return r;
}
