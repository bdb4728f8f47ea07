/* cli/info_text.c: a BPF object's info (bpftool's show -j shape) printed
 * the way `bpftool map/prog/link show` prints it. Layouts are tables, and
 * members a layout does not know still print, as "key value" pairs, so a
 * richer info object never loses data in text mode. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli/output.h"

enum fmt {
	F_END,
	F_LINE,         /* start a new (tab-indented) line */
	F_ID,           /* "17:" */
	F_VALUE,        /* the value alone */
	F_LABEL,        /* "label value" */
	F_BYTES,        /* "label 8B" */
	F_HEX,          /* "label 0x1" */
	F_FLAG,         /* "label" when true */
	F_TIME,         /* "label 2025-01-31T12:00:00+0000" */
	F_IDS,          /* "label 3,4" */
	F_PIDS,         /* "label comm(pid), ..." */
	F_SKIP,         /* known, never printed */
};

struct field {
	const char *key;
	enum fmt fmt;
	const char *label;
};

#define LINE { NULL, F_LINE, NULL }
#define END { NULL, F_END, NULL }

static const struct field map_layout[] = {
	{ "id", F_ID, NULL }, { "type", F_VALUE, NULL },
	{ "name", F_LABEL, "name" }, { "flags", F_HEX, "flags" },
	LINE,
	{ "bytes_key", F_BYTES, "key" }, { "bytes_value", F_BYTES, "value" },
	{ "max_entries", F_LABEL, "max_entries" },
	{ "bytes_memlock", F_BYTES, "memlock" }, { "frozen", F_FLAG, "frozen" },
	LINE,
	{ "btf_id", F_LABEL, "btf_id" },
	LINE,
	{ "pids", F_PIDS, "pids" },
	END
};

static const struct field prog_layout[] = {
	{ "id", F_ID, NULL }, { "type", F_VALUE, NULL },
	{ "name", F_LABEL, "name" }, { "tag", F_LABEL, "tag" },
	{ "gpl_compatible", F_FLAG, "gpl" },
	{ "run_time_ns", F_LABEL, "run_time_ns" },
	{ "run_cnt", F_LABEL, "run_cnt" },
	{ "recursion_misses", F_LABEL, "recursion_misses" },
	LINE,
	{ "loaded_at", F_TIME, "loaded_at" }, { "uid", F_LABEL, "uid" },
	LINE,
	{ "bytes_xlated", F_BYTES, "xlated" }, { "jited", F_SKIP, NULL },
	{ "bytes_jited", F_BYTES, "jited" },
	{ "bytes_memlock", F_BYTES, "memlock" },
	{ "map_ids", F_IDS, "map_ids" },
	LINE,
	{ "btf_id", F_LABEL, "btf_id" },
	LINE,
	{ "pids", F_PIDS, "pids" },
	END
};

static const struct field link_layout[] = {
	{ "id", F_ID, NULL }, { "type", F_VALUE, NULL },
	{ "prog_id", F_LABEL, "prog" },
	LINE,
	{ "pids", F_PIDS, "pids" },
	END
};

static const struct field any_layout[] = {
	{ "id", F_ID, NULL }, { "type", F_VALUE, NULL },
	END
};

struct printer {
	FILE *f;
	bool first_line;
	bool open;              /* something printed on the current line */
	const char *sep;        /* before the next field on this line */
};

static void begin_field(struct printer *p)
{
	if (!p->open)
		fputs(p->first_line ? "" : "\t", p->f);
	else
		fputs(p->sep, p->f);
	p->open = true;
	p->sep = "  ";
}

static void end_line(struct printer *p)
{
	if (p->open)
		fputc('\n', p->f);
	p->open = false;
	p->first_line = false;
}

static void print_time(FILE *f, int64_t secs)
{
	time_t t = (time_t)secs;
	char buf[64];
	struct tm tm;

	if (localtime_r(&t, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", &tm))
		fputs(buf, f);
	else
		fprintf(f, "%lld", (long long)secs);
}

static void print_list(FILE *f, struct json_object *v, bool pids)
{
	size_t n = json_object_is_type(v, json_type_array) ?
		   json_object_array_length(v) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i), *m;

		fputs(i ? (pids ? ", " : ",") : "", f);
		if (!pids) {
			fputs(json_object_get_string(e), f);
			continue;
		}
		json_object_object_get_ex(e, "comm", &m);
		fprintf(f, "%s(", json_object_get_string(m));
		json_object_object_get_ex(e, "pid", &m);
		fprintf(f, "%s)", json_object_get_string(m));
	}
}

static bool shown(const struct field *fd, struct json_object *v)
{
	if (!v || fd->fmt == F_SKIP)
		return false;
	if (fd->fmt == F_FLAG)
		return json_object_get_boolean(v);
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string_len(v) > 0;
	return true;
}

static void print_field(struct printer *p, const struct field *fd,
			struct json_object *v)
{
	const char *s = json_object_get_string(v);

	begin_field(p);
	if (fd->fmt == F_ID) {
		fprintf(p->f, "%s:", s);
		p->sep = " ";
		return;
	}
	if (fd->label)
		fprintf(p->f, fd->fmt == F_FLAG ? "%s" : "%s ", fd->label);
	switch (fd->fmt) {
	case F_BYTES:
		fprintf(p->f, "%sB", s);
		break;
	case F_HEX:
		fprintf(p->f, "0x%llx",
			(unsigned long long)json_object_get_int64(v));
		break;
	case F_TIME:
		print_time(p->f, json_object_get_int64(v));
		break;
	case F_IDS:
	case F_PIDS:
		print_list(p->f, v, fd->fmt == F_PIDS);
		break;
	case F_FLAG:
		break;
	default:
		fputs(s, p->f);
	}
}

static bool in_layout(const struct field *layout, const char *key)
{
	for (; layout->fmt != F_END; layout++)
		if (layout->key && strcmp(layout->key, key) == 0)
			return true;
	return false;
}

/* Members the layout does not know, on a line of their own. */
static void print_rest(struct printer *p, const struct field *layout,
		       struct json_object *info)
{
	const struct field plain = { NULL, F_LABEL, NULL };

	json_object_object_foreach(info, key, v) {
		struct field fd = plain;

		if (in_layout(layout, key))
			continue;
		fd.label = key;
		print_field(p, &fd, v);
	}
	end_line(p);
}

void info_text_print(FILE *f, enum bpfpin_obj_kind kind,
		     struct json_object *info)
{
	const struct field *layout = kind == BPFPIN_OBJ_MAP ? map_layout :
				     kind == BPFPIN_OBJ_PROG ? prog_layout :
				     kind == BPFPIN_OBJ_LINK ? link_layout :
				     any_layout;
	struct printer p = { .f = f, .first_line = true, .sep = "" };
	struct json_object *v;

	if (!json_object_is_type(info, json_type_object))
		return;
	for (const struct field *fd = layout; fd->fmt != F_END; fd++) {
		if (fd->fmt == F_LINE) {
			end_line(&p);
			continue;
		}
		if (json_object_object_get_ex(info, fd->key, &v) && shown(fd, v))
			print_field(&p, fd, v);
	}
	end_line(&p);
	print_rest(&p, layout, info);
}
