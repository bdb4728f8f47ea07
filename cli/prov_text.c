/* cli/prov_text.c: who loaded and who attached what a pin holds, as
 * `bpfpin stat` prints it below the object line. */
#include "config.h"

#include <stdio.h>

#include <json-c/json.h>

#include "cli/output.h"

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static int64_t num(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static void line(FILE *f, const char *label, struct json_object *p)
{
	int64_t t = num(p, "time_ns");
	struct timespec ts = { .tv_sec = t / 1000000000, .tv_nsec = t % 1000000000 };
	char when[64];

	out_time(when, sizeof(when), &ts, true);
	fprintf(f, "%s: uid %lld pid %lld at %s", label, (long long)num(p, "uid"),
		(long long)num(p, "pid"), when);
	if (json_object_object_get_ex(p, "file", NULL))
		fprintf(f, "\n        file %s sha256 %s", str(p, "file"), str(p, "sha256"));
	fputc('\n', f);
}

void prov_text_print(FILE *f, struct json_object *prov)
{
	struct json_object *p;

	if (json_object_object_get_ex(prov, "loaded", &p))
		line(f, "Loaded", p);
	if (json_object_object_get_ex(prov, "attached", &p))
		line(f, "Attached", p);
}
