// SPDX-License-Identifier: GPL-2.0
/* A small JSON writer. */

#include <inttypes.h>

#include "json.h"

void nfsec_json_init(struct nfsec_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
}

void nfsec_json_escape(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void member(struct nfsec_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		nfsec_json_escape(j->f, key);
		fputc(':', j->f);
	}
}

static void open_(struct nfsec_json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < NFSEC_JSON_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct nfsec_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (!j->depth) {
		fputc('\n', j->f);
		j->need_comma[0] = false;
	}
}

void nfsec_json_obj_open(struct nfsec_json *j, const char *key)
{
	open_(j, key, '{');
}

void nfsec_json_obj_close(struct nfsec_json *j)
{
	close_(j, '}');
}

void nfsec_json_arr_open(struct nfsec_json *j, const char *key)
{
	open_(j, key, '[');
}

void nfsec_json_arr_close(struct nfsec_json *j)
{
	close_(j, ']');
}

void nfsec_json_str(struct nfsec_json *j, const char *key, const char *v)
{
	member(j, key);
	nfsec_json_escape(j->f, v);
}

void nfsec_json_u64(struct nfsec_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void nfsec_json_bool(struct nfsec_json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void nfsec_json_null(struct nfsec_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}
