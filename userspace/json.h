/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFSEC_JSON_H
#define NFSEC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define NFSEC_JSON_DEPTH 16

/*
 * A minimal streaming JSON writer producing compact output. @key is the
 * member name inside an object and must be NULL inside an array.
 */
struct nfsec_json {
	FILE *f;
	int depth;
	bool need_comma[NFSEC_JSON_DEPTH];
};

void nfsec_json_init(struct nfsec_json *j, FILE *f);
void nfsec_json_obj_open(struct nfsec_json *j, const char *key);
void nfsec_json_obj_close(struct nfsec_json *j);
void nfsec_json_arr_open(struct nfsec_json *j, const char *key);
void nfsec_json_arr_close(struct nfsec_json *j);
void nfsec_json_str(struct nfsec_json *j, const char *key, const char *v);
void nfsec_json_u64(struct nfsec_json *j, const char *key, uint64_t v);
void nfsec_json_bool(struct nfsec_json *j, const char *key, bool v);
void nfsec_json_null(struct nfsec_json *j, const char *key);
/* Write @s as a quoted, escaped JSON string. */
void nfsec_json_escape(FILE *f, const char *s);

#endif
