// SPDX-License-Identifier: GPL-2.0
/* nfsec genkey: a fresh random key of the right length for an algorithm. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "parse.h"
#include "subcommands.h"
#include "util.h"

static void genkey_usage(void)
{
	const struct nfsec_genkey_alg *algs;
	size_t n, i;

	algs = nfsec_genkey_algs(&n);
	printf("Usage: nfsec genkey ALG\n"
	       "Print a random key for ALG as 0x-prefixed hex (AEAD keys include the\n"
	       "4-byte salt). ALG := ");
	for (i = 0; i < n; i++)
		printf("%s%s", i ? " | " : "", algs[i].name);
	printf("\n");
}

static int fill_random(uint8_t *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = getrandom(buf + got, len - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return nfsec_error("getrandom: %s", strerror(errno));
		}
		got += (size_t)r;
	}
	return 0;
}

int genkey_main(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	const struct nfsec_genkey_alg *alg;
	uint8_t key[NFSEC_KEY_MAX];
	char hex[2 * NFSEC_KEY_MAX + 1];

	(void)ctx;
	if (argc == 2 && !strcmp(argv[1], "help")) {
		genkey_usage();
		return 0;
	}
	if (argc != 2)
		return nfsec_error("\"genkey\" needs exactly one algorithm (try \"nfsec genkey help\")");
	alg = nfsec_genkey_find(argv[1]);
	if (!alg)
		return -1;
	if (fill_random(key, alg->len))
		return -1;
	nfsec_hex(hex, key, alg->len);
	nfsec_private_stdout();
	printf("0x%s\n", hex);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(hex, sizeof(hex));
	return 0;
}
