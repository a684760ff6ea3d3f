// SPDX-License-Identifier: GPL-2.0
/* Command-line parsers: numbers, addresses, keys, and whole commands. */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "util.h"

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif

int nfsec_parse_u64(const char *s, uint64_t max, uint64_t *out,
		    const char *what)
{
	uint64_t v = 0;
	unsigned int base = 10, digit;
	const char *p = s;

	if (!*p)
		return nfsec_error("invalid %s \"%s\": not a number", what, s);
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return nfsec_error("invalid %s \"%s\": not a number",
					   what, s);
	}
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digit = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			digit = (tolower((unsigned char)*p) - 'a') + 10;
		else
			return nfsec_error("invalid %s \"%s\": not a number",
					   what, s);
		if (v > (UINT64_MAX - digit) / base)
			return nfsec_error("invalid %s \"%s\": out of range",
					   what, s);
		v = v * base + digit;
	}
	if (v > max)
		return nfsec_error("invalid %s \"%s\": out of range (maximum %llu)",
				   what, s, (unsigned long long)max);
	*out = v;
	return 0;
}

int nfsec_parse_u32(const char *s, uint32_t *out, const char *what)
{
	uint64_t v;

	if (nfsec_parse_u64(s, UINT32_MAX, &v, what))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int nfsec_parse_u16(const char *s, uint16_t *out, const char *what)
{
	uint64_t v;

	if (nfsec_parse_u64(s, UINT16_MAX, &v, what))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* A zone ("fe80::1%eth0"): the kernel matches and keys on addresses only. */
static int zone_refused(const char *s, const char *what)
{
	const char *zone = strchr(s, '%');

	return nfsec_error("invalid %s \"%s\": an IPv6 zone (%.*s) is not supported",
			   what, s, (int)strcspn(zone, "/"), zone);
}

/* @s of @n characters as an address of either family; false if none. */
static bool addr_pton(const char *s, size_t n, struct nfsec_addr *addr)
{
	char buf[NFSEC_ADDR_STRLEN];

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, buf, &addr->v4) == 1) {
		addr->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, &addr->v6) == 1) {
		addr->family = AF_INET6;
		return true;
	}
	return false;
}

int nfsec_parse_addr(const char *s, struct nfsec_addr *addr, const char *what)
{
	if (strchr(s, ':') && strchr(s, '%'))
		return zone_refused(s, what);
	if (!addr_pton(s, strlen(s), addr))
		return nfsec_error("invalid %s \"%s\": not an IPv4 or IPv6 address",
				   what, s);
	return 0;
}

/* Whether @addr has a bit set beyond its first @plen. */
static bool host_bits(const struct nfsec_addr *addr, unsigned int plen)
{
	const uint8_t *b = addr->v6.s6_addr;
	unsigned int i;

	if (addr->family == AF_INET)
		return addr->v4 & ~(plen ? htonl(~0U << (32 - plen)) : 0);
	for (i = plen / 8; i < 16; i++) {
		uint8_t mask = i == plen / 8 ? 0xff >> (plen % 8) : 0xff;

		if (b[i] & mask)
			return true;
	}
	return false;
}

int nfsec_parse_prefix(const char *s, struct nfsec_addr *addr, uint8_t *plen,
		       const char *what)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max, digits;
	uint64_t len;

	if (memchr(s, ':', n) && memchr(s, '%', n))
		return zone_refused(s, what);
	if (!addr_pton(s, n, addr))
		return nfsec_error("invalid %s \"%s\": not an IPv4 or IPv6 prefix",
				   what, s);
	max = addr->family == AF_INET ? 32 : 128;
	digits = addr->family == AF_INET ? 2 : 3;
	len = max;
	if (slash) {
		/* Digits only: no "0x", no sign, no empty length. */
		if (!slash[1] || strspn(slash + 1, "0123456789") !=
				 strlen(slash + 1) || strlen(slash + 1) > digits)
			return nfsec_error("invalid %s \"%s\": bad prefix length",
					   what, s);
		if (nfsec_parse_u64(slash + 1, max, &len, "prefix length"))
			return -1;
	}
	if (host_bits(addr, (unsigned int)len))
		return nfsec_error("invalid %s \"%s\": host bits set", what, s);
	*plen = (uint8_t)len;
	return 0;
}

const char *nfsec_addr_str(const struct nfsec_addr *addr,
			   char buf[NFSEC_ADDR_STRLEN])
{
	if (!inet_ntop(addr->family, addr->family == AF_INET ?
		       (const void *)&addr->v4 : (const void *)&addr->v6,
		       buf, NFSEC_ADDR_STRLEN))
		snprintf(buf, NFSEC_ADDR_STRLEN, "?");
	return buf;
}

bool nfsec_addr_is_zero(const struct nfsec_addr *addr)
{
	if (addr->family == AF_INET)
		return !addr->v4;
	return IN6_IS_ADDR_UNSPECIFIED(&addr->v6);
}

static const struct {
	const char *name;
	uint8_t family;
} families[] = {
	{ "inet", AF_INET },
	{ "inet6", AF_INET6 },
	{ "ipv4", AF_INET },
	{ "ipv6", AF_INET6 },
	{ "4", AF_INET },
	{ "6", AF_INET6 },
};

int nfsec_parse_family(const char *s, uint8_t *family)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(families); i++) {
		if (!strcmp(s, families[i].name)) {
			*family = families[i].family;
			return 0;
		}
	}
	return nfsec_error("invalid family \"%s\": expected inet or inet6", s);
}

const char *nfsec_family_name(uint8_t family)
{
	if (family == AF_INET)
		return "inet";
	if (family == AF_INET6)
		return "inet6";
	return "unknown";
}

int nfsec_parse_spi(const char *s, uint32_t *spi)
{
	uint32_t v;

	if (nfsec_parse_u32(s, &v, "SPI"))
		return -1;
	if (v < NFSEC_SPI_MIN)
		return nfsec_error("invalid SPI \"%s\": 0..255 are reserved", s);
	*spi = v;
	return 0;
}

int nfsec_parse_ipsec_proto(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "esp"))
		*proto = IPPROTO_ESP;
	else if (!strcmp(s, "ah"))
		*proto = IPPROTO_AH;
	else
		return nfsec_error("invalid proto \"%s\": expected esp or ah", s);
	return 0;
}

const char *nfsec_ipsec_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	}
	return "unknown";
}

static const struct {
	const char *name;
	uint8_t proto;
} ip_protos[] = {
	{ "icmp", IPPROTO_ICMP },
	{ "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "icmpv6", IPPROTO_ICMPV6 },	/* read, never printed: not first */
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "gre", IPPROTO_GRE },
	{ "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH },
	{ "sctp", IPPROTO_SCTP },
	{ "udplite", IPPROTO_UDPLITE },
};

int nfsec_parse_ip_proto(const char *s, uint8_t *proto)
{
	uint64_t v;
	size_t i;

	if (!strcmp(s, "any")) {
		*proto = 0;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(ip_protos); i++) {
		if (!strcmp(s, ip_protos[i].name)) {
			*proto = ip_protos[i].proto;
			return 0;
		}
	}
	if (!isdigit((unsigned char)s[0]))
		return nfsec_error("invalid proto \"%s\": expected tcp, udp, icmp, ipv6-icmp, sctp, udplite, esp, ah, gre, any or a number",
				   s);
	if (nfsec_parse_u64(s, 255, &v, "proto"))
		return -1;
	*proto = (uint8_t)v;
	return 0;
}

const char *nfsec_ip_proto_name(uint8_t proto)
{
	size_t i;

	if (!proto)
		return "any";
	for (i = 0; i < ARRAY_SIZE(ip_protos); i++)
		if (ip_protos[i].proto == proto)
			return ip_protos[i].name;
	return NULL;
}

bool nfsec_proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

int nfsec_parse_port_range(const char *s, uint16_t *min, uint16_t *max,
			   const char *what)
{
	char buf[16];
	const char *dash = strchr(s, '-');
	size_t n = dash ? (size_t)(dash - s) : strlen(s);

	if (n >= sizeof(buf) || !n)
		return nfsec_error("invalid %s \"%s\": not a port or range",
				   what, s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (nfsec_parse_u16(buf, min, what))
		return -1;
	if (!dash) {
		*max = *min;
		return 0;
	}
	if (nfsec_parse_u16(dash + 1, max, what))
		return -1;
	if (*max < *min)
		return nfsec_error("invalid %s \"%s\": range is reversed",
				   what, s);
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_hex(const char *hex, size_t n, uint8_t *key, size_t max,
		     size_t *len, const char *what)
{
	size_t i;

	if (n >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
		hex += 2;
		n -= 2;
	}
	if (n % 2)
		return nfsec_error("invalid %s: odd number of hex digits", what);
	if (n / 2 > max)
		return nfsec_error("invalid %s: longer than %zu bytes", what, max);
	for (i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)hex[i]);
		int lo = hexval((unsigned char)hex[i + 1]);

		if (hi < 0 || lo < 0)
			return nfsec_error("invalid %s: \"%c%c\" is not hex",
					   what, hex[i], hex[i + 1]);
		key[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static int parse_key_file(const char *path, uint8_t *key, size_t max,
			  size_t *len, const char *what)
{
	char buf[2 * NFSEC_KEY_MAX + 64];
	size_t got = 0, start = 0;
	ssize_t r;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nfsec_error("%s file \"%s\": %s", what, path,
				   strerror(errno));
	for (;;) {
		r = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof(buf) - 1)
			break;
	}
	if (r < 0) {
		ret = nfsec_error("%s file \"%s\": %s", what, path,
				  strerror(errno));
		goto out;
	}
	if (got == sizeof(buf) - 1) {
		ret = nfsec_error("%s file \"%s\": too long", what, path);
		goto out;
	}
	while (start < got && isspace((unsigned char)buf[start]))
		start++;
	while (got > start && isspace((unsigned char)buf[got - 1]))
		got--;
	ret = parse_hex(buf + start, got - start, key, max, len, what);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return ret;
}

int nfsec_parse_key(const char *s, uint8_t *key, size_t max, size_t *len,
		    const char *what)
{
	if (s[0] == '@') {
		if (!s[1])
			return nfsec_error("invalid %s \"@\": missing file name",
					   what);
		return parse_key_file(s + 1, key, max, len, what);
	}
	return parse_hex(s, strlen(s), key, max, len, what);
}

static const struct nfsec_alg algs[] = {
	{ "aes-gcm", NFSEC_ALG_AEAD, { 20, 28, 36 }, 3, { 64, 96, 128 }, 3, 4 },
	{ "chacha20-poly1305", NFSEC_ALG_AEAD, { 36 }, 1, { 128 }, 1, 4 },
	{ "aes-gmac", NFSEC_ALG_AEAD, { 20, 28, 36 }, 3, { 128 }, 1, 4 },
	{ "aes-cbc", NFSEC_ALG_CIPHER, { 16, 24, 32 }, 3, { 0 }, 0, 0 },
	{ "null", NFSEC_ALG_CIPHER, { 0 }, 1, { 0 }, 0, 0 },
	{ "hmac-sha256", NFSEC_ALG_AUTH, { 32 }, 1, { 0 }, 0, 0 },
	{ "hmac-sha384", NFSEC_ALG_AUTH, { 48 }, 1, { 0 }, 0, 0 },
	{ "hmac-sha512", NFSEC_ALG_AUTH, { 64 }, 1, { 0 }, 0, 0 },
	{ "hmac-sha1", NFSEC_ALG_AUTH, { 20 }, 1, { 0 }, 0, 0 },
	/* AH only (RFC 4543 5); the key includes the 4-byte salt */
	{ "aes-gmac", NFSEC_ALG_AUTH, { 20, 28, 36 }, 3, { 0 }, 0, 4 },
};

static const char *const alg_kind_names[] = {
	[NFSEC_ALG_AEAD] = "aead",
	[NFSEC_ALG_CIPHER] = "enc",
	[NFSEC_ALG_AUTH] = "auth",
};

/* Algorithms that are known and refused, with the reason. */
static const struct {
	const char *name;
	const char *why;
} refused_algs[] = {
	{ "des", "RFC 8221 says MUST NOT" },
	{ "des-cbc", "RFC 8221 says MUST NOT" },
	{ "des-iv64", "RFC 8221 says MUST NOT" },
	{ "3des", "RFC 8221 says SHOULD NOT" },
	{ "3des-cbc", "RFC 8221 says SHOULD NOT" },
	{ "des3_ede", "RFC 8221 says SHOULD NOT" },
	{ "blowfish", "RFC 8221 says MUST NOT" },
	{ "md5", "RFC 8221 says MUST NOT" },
	{ "hmac-md5", "RFC 8221 says MUST NOT" },
	{ "des-mac", "RFC 8221 says MUST NOT" },
	{ "kpdk-md5", "RFC 8221 says MUST NOT" },
};

/* "aes-gcm-128": the base name's length, and the key bits; or 0. */
static size_t sized_name(const char *name, unsigned long *bits)
{
	const char *dash = strrchr(name, '-');

	if (!dash || strspn(dash + 1, "0123456789") != 3 || dash[4])
		return 0;
	*bits = strtoul(dash + 1, NULL, 10);
	return (size_t)(dash - name);
}

/* The known names of @kind, "aes-gcm[-128|-192|-256], ...", into @out. */
static void known_algs(char *out, size_t size, enum nfsec_alg_kind kind)
{
	size_t i, off = 0;
	unsigned int j;

	out[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(algs) && off < size; i++) {
		const struct nfsec_alg *a = &algs[i];

		if (a->kind != kind)
			continue;
		off += (size_t)snprintf(out + off, size - off, "%s%s",
					off ? ", " : "", a->name);
		for (j = 0; a->nkey_lens > 1 && j < a->nkey_lens && off < size; j++)
			off += (size_t)snprintf(out + off, size - off, "%s%u%s",
						j ? "|-" : "[-",
						(a->key_lens[j] - a->salt) * 8,
						j + 1 == a->nkey_lens ? "]" : "");
	}
}

static const struct nfsec_alg *alg_of(const char *name, size_t n,
				      enum nfsec_alg_kind kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(algs); i++)
		if (algs[i].kind == kind && strlen(algs[i].name) == n &&
		    !strncmp(algs[i].name, name, n))
			return &algs[i];
	return NULL;
}

const struct nfsec_alg *nfsec_alg_lookup(const char *name,
					 enum nfsec_alg_kind kind,
					 size_t *key_len)
{
	const struct nfsec_alg *a;
	unsigned long bits = 0;
	char known[256];
	size_t i, n;
	int k;

	*key_len = 0;
	a = alg_of(name, strlen(name), kind);
	if (a)
		return a;
	n = sized_name(name, &bits);
	a = n ? alg_of(name, n, kind) : NULL;
	if (a && a->nkey_lens > 1 && bits % 8 == 0) {
		for (i = 0; i < a->nkey_lens; i++) {
			if (a->key_lens[i] == bits / 8 + a->salt) {
				*key_len = a->key_lens[i];
				return a;
			}
		}
	}
	for (i = 0; i < ARRAY_SIZE(refused_algs); i++)
		if (!strcmp(refused_algs[i].name, name)) {
			nfsec_error("%s is refused: %s", name, refused_algs[i].why);
			return NULL;
		}
	for (k = NFSEC_ALG_AEAD; k <= NFSEC_ALG_AUTH; k++)
		if (k != (int)kind && (alg_of(name, strlen(name), k) ||
				       (n && alg_of(name, n, k)))) {
			nfsec_error("%s is an \"%s\" algorithm, not \"%s\"",
				    name, alg_kind_names[k], alg_kind_names[kind]);
			return NULL;
		}
	known_algs(known, sizeof(known), kind);
	nfsec_error("unknown %s algorithm \"%s\" (known: %s)",
		    alg_kind_names[kind], name, known);
	return NULL;
}

const struct nfsec_alg *nfsec_alg_find(const char *name,
				       enum nfsec_alg_kind kind)
{
	size_t len;

	return nfsec_alg_lookup(name, kind, &len);
}

bool nfsec_alg_is_aead(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(algs); i++)
		if (algs[i].kind == NFSEC_ALG_AEAD && !strcmp(algs[i].name, name))
			return true;
	return false;
}

int nfsec_alg_check_key(const struct nfsec_alg *alg, size_t len)
{
	char list[64];
	size_t i, off = 0;

	for (i = 0; i < alg->nkey_lens; i++)
		if (alg->key_lens[i] == len)
			return 0;
	for (i = 0; i < alg->nkey_lens; i++) {
		const char *sep = !i ? "" : i + 1 == alg->nkey_lens ? " or " : ", ";

		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%u",
					sep, alg->key_lens[i]);
	}
	return nfsec_error("key for %s must be %s bytes, got %zu", alg->name,
			   list, len);
}

static const struct nfsec_genkey_alg genkey_algs[] = {
	{ "aes-gcm-128", 20 },
	{ "aes-gcm-192", 28 },
	{ "aes-gcm-256", 36 },
	{ "aes-gmac-128", 20 },
	{ "aes-gmac-192", 28 },
	{ "aes-gmac-256", 36 },
	{ "chacha20-poly1305", 36 },
	{ "aes-cbc-128", 16 },
	{ "aes-cbc-192", 24 },
	{ "aes-cbc-256", 32 },
	{ "hmac-sha1", 20 },
	{ "hmac-sha256", 32 },
	{ "hmac-sha384", 48 },
	{ "hmac-sha512", 64 },
};

const struct nfsec_genkey_alg *nfsec_genkey_find(const char *name)
{
	size_t i;

	const struct nfsec_alg *a = NULL;
	char known[512];
	size_t off = 0;
	int k;

	for (i = 0; i < ARRAY_SIZE(genkey_algs); i++)
		if (!strcmp(genkey_algs[i].name, name))
			return &genkey_algs[i];
	for (k = NFSEC_ALG_AEAD; k <= NFSEC_ALG_AUTH && !a; k++)
		a = alg_of(name, strlen(name), k);
	if (a && a->nkey_lens > 1) {
		nfsec_error("\"%s\" has keys of several sizes: add the bits, as in %s-%u",
			    name, name, (a->key_lens[0] - a->salt) * 8);
		return NULL;
	}
	if (a)
		return nfsec_error("\"%s\" has no key to generate", name), NULL;
	for (i = 0; i < ARRAY_SIZE(refused_algs); i++)
		if (!strcmp(refused_algs[i].name, name))
			return nfsec_error("%s is refused: %s", name,
					   refused_algs[i].why), NULL;
	for (i = 0; i < ARRAY_SIZE(genkey_algs) && off < sizeof(known); i++)
		off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s",
					i ? ", " : "", genkey_algs[i].name);
	nfsec_error("unknown algorithm \"%s\" for genkey (known: %s)", name,
		    known);
	return NULL;
}

const struct nfsec_genkey_alg *nfsec_genkey_algs(size_t *n)
{
	*n = ARRAY_SIZE(genkey_algs);
	return genkey_algs;
}

const char *const nfsec_lft_names[NFSEC_LFT_COUNT] = {
	"soft-bytes", "hard-bytes", "soft-packets", "hard-packets",
	"soft-seconds", "hard-seconds",
};

/* Argument cursor shared by the command parsers. */
struct args {
	int argc;
	char **argv;
	int i;
	const char *cmd;
	const char *src, *dst;	/* their words as typed, for messages */
};

static const char *next_value(struct args *a, const char *kw)
{
	if (a->i + 1 >= a->argc) {
		nfsec_error("\"%s\" needs a value in \"%s\"", kw, a->cmd);
		return NULL;
	}
	a->i++;
	return a->argv[a->i];
}

static int once(bool *seen, const char *kw, const char *cmd)
{
	if (*seen)
		return nfsec_error("\"%s\" given twice in \"%s\"", kw, cmd);
	*seen = true;
	return 0;
}

static int unknown(const char *kw, const char *cmd)
{
	return nfsec_error("unknown keyword \"%s\" in \"%s\"", kw, cmd);
}

static int missing(const char *kw, const char *cmd)
{
	return nfsec_error("\"%s\" needs \"%s\"", cmd, kw);
}

/* proto/src/spi of an SA key; returns 1 if @kw is not one of them. */
static int parse_sa_key_word(struct args *a, const char *kw,
			     struct nfsec_sa_args *s)
{
	const char *v;

	if (!strcmp(kw, "proto")) {
		if (once(&s->has_proto, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		return nfsec_parse_ipsec_proto(v, &s->proto);
	}
	if (!strcmp(kw, "src")) {
		if (once(&s->has_src, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		return nfsec_parse_addr(v, &s->src, "source address");
	}
	if (!strcmp(kw, "spi")) {
		if (once(&s->has_spi, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		return nfsec_parse_spi(v, &s->spi);
	}
	return 1;
}

static int parse_alg_key(struct args *a, const char *kw,
			 enum nfsec_alg_kind kind,
			 const struct nfsec_alg **alg, uint8_t *key,
			 size_t *key_len, size_t *need)
{
	const char *name, *v;
	char what[64];

	if (*alg)
		return nfsec_error("\"%s\" given twice in \"%s\"", kw, a->cmd);
	if (!(name = next_value(a, kw)))
		return -1;
	if (!(*alg = nfsec_alg_lookup(name, kind, need)))
		return -1;
	if (a->i + 1 >= a->argc)
		return nfsec_error("\"%s %s\" needs a KEY in \"%s\"", kw, name,
				   a->cmd);
	v = a->argv[++a->i];
	snprintf(what, sizeof(what), "key for %s", name);
	if (!strcmp(name, "null") &&
	    (!strcmp(v, "none") || !strcmp(v, "") || !strcmp(v, "0x"))) {
		*key_len = 0;
		return 0;
	}
	if (!strcmp(v, NFSEC_KEY_OMITTED))
		return nfsec_error("the key for %s was left out by \"nfsec save\": save \"with-keys\" or write the key in",
				   name);
	if (nfsec_parse_key(v, key, NFSEC_KEY_MAX, key_len, what))
		return -1;
	if (*need && *key_len != *need)
		return nfsec_error("key for %s must be %zu bytes%s, got %zu",
				   name, *need, (*alg)->salt ? " (with salt)" : "",
				   *key_len);
	return nfsec_alg_check_key(*alg, *key_len);
}

static int parse_icv(struct args *a, struct nfsec_sa_args *s)
{
	const char *v;

	if (once(&s->has_icv, "icv", a->cmd) || !(v = next_value(a, "icv")))
		return -1;
	return nfsec_parse_u16(v, &s->icv_bits, "icv");
}

static int parse_lifetime_word(struct args *a, const char *kw,
			       struct nfsec_sa_args *s)
{
	const char *v;
	size_t i;

	for (i = 0; i < NFSEC_LFT_COUNT; i++) {
		if (strcmp(kw, nfsec_lft_names[i]))
			continue;
		if (s->lft_set & (1U << i))
			return nfsec_error("\"%s\" given twice in \"%s\"", kw,
					   a->cmd);
		if (!(v = next_value(a, kw)))
			return -1;
		if (nfsec_parse_u64(v, UINT64_MAX, &s->lft[i], kw))
			return -1;
		s->lft_set |= 1U << i;
		return 0;
	}
	return 1;
}

/* The two ends of an SA, or the two prefixes of a policy, agree. */
static int same_family(const struct args *a, const struct nfsec_addr *src,
		       const struct nfsec_addr *dst)
{
	if (src->family != dst->family)
		return nfsec_error("dst %s: not of the family of src %s", a->dst,
				   a->src);
	return 0;
}

static int check_sa_add(const struct args *a, struct nfsec_sa_args *s)
{
	const struct nfsec_alg *enc = s->enc;
	const char *cmd = a->cmd;
	size_t i;

	if (!s->has_proto)
		return missing("proto", cmd);
	if (!s->has_src)
		return missing("src", cmd);
	if (!s->has_dst)
		return missing("dst", cmd);
	if (!s->has_spi)
		return missing("spi", cmd);
	if (same_family(a, &s->src, &s->dst))
		return -1;
	if ((s->flags & NFSEC_SA_F_ALIGN4) &&
	    (s->proto != IPPROTO_AH || s->src.family != AF_INET))
		return nfsec_error("\"align4\" is for proto ah over IPv4 in \"%s\"", cmd);
	if (s->proto == IPPROTO_AH) {
		if (enc)
			return nfsec_error("\"%s %s\" with proto ah: AH has only \"auth\"",
					   alg_kind_names[enc->kind], enc->name);
		if (!s->auth)
			return missing("auth", cmd);
		if (s->has_icv)
			return nfsec_error("\"icv\" is only valid with \"aead\" in \"%s\"",
					   cmd);
		return 0;
	}
	if (!enc)
		return nfsec_error("\"%s\" with proto esp needs \"aead\" or \"enc\"",
				   cmd);
	if (enc->kind == NFSEC_ALG_AEAD) {
		if (s->auth)
			return nfsec_error("\"auth\" cannot be combined with \"aead\" in \"%s\"",
					   cmd);
		if (!s->has_icv)
			return 0;
		for (i = 0; i < enc->nicv_bits; i++)
			if (enc->icv_bits[i] == s->icv_bits)
				return 0;
		return nfsec_error("invalid icv \"%u\" for %s", s->icv_bits,
				   enc->name);
	}
	if (s->has_icv)
		return nfsec_error("\"icv\" is only valid with \"aead\" in \"%s\"",
				   cmd);
	if (s->auth && !strcmp(s->auth->name, "aes-gmac"))
		return nfsec_error("\"auth aes-gmac\" is for proto ah; ESP has \"aead aes-gmac\"");
	if (!s->auth && !strcmp(enc->name, "null"))
		return nfsec_error("\"enc null\" needs \"auth\" in \"%s\"", cmd);
	if (!s->auth)
		return nfsec_error("\"enc %s\" needs \"auth\" in \"%s\"",
				   enc->name, cmd);
	return 0;
}

int nfsec_parse_sa_add(int argc, char **argv, struct nfsec_sa_args *s)
{
	struct args a = { argc, argv, 0, "sa add", NULL, NULL };
	const char *kw, *v;
	bool seen_esn = false, seen_align4 = false;
	int r;

	memset(s, 0, sizeof(*s));
	for (a.i = 0; a.i < argc; a.i++) {
		kw = argv[a.i];
		r = parse_sa_key_word(&a, kw, s);
		if (r <= 0) {
			if (r < 0)
				goto err;
			if (!strcmp(kw, "src"))
				a.src = argv[a.i];
			continue;
		}
		r = parse_lifetime_word(&a, kw, s);
		if (r <= 0) {
			if (r < 0)
				goto err;
			continue;
		}
		if (!strcmp(kw, "dst")) {
			if (once(&s->has_dst, kw, a.cmd) || !(v = next_value(&a, kw)) ||
			    nfsec_parse_addr(v, &s->dst, "destination address"))
				goto err;
			a.dst = v;
		} else if (!strcmp(kw, "dir")) {
			if (once(&s->has_dir, kw, a.cmd) || !(v = next_value(&a, kw)))
				goto err;
			if (!strcmp(v, "in")) {
				s->dir = NFSEC_DIR_IN;
			} else if (!strcmp(v, "out")) {
				s->dir = NFSEC_DIR_OUT;
			} else {
				nfsec_error("invalid dir \"%s\": expected in or out", v);
				goto err;
			}
		} else if (!strcmp(kw, "mode")) {
			if (once(&s->has_mode, kw, a.cmd) || !(v = next_value(&a, kw)))
				goto err;
			if (!strcmp(v, "transport")) {
				s->mode = NFSEC_MODE_TRANSPORT;
			} else if (!strcmp(v, "tunnel")) {
				s->mode = NFSEC_MODE_TUNNEL;
			} else {
				nfsec_error("invalid mode \"%s\": expected transport or tunnel",
					    v);
				goto err;
			}
		} else if (!strcmp(kw, "aead")) {
			if (parse_alg_key(&a, kw, NFSEC_ALG_AEAD, &s->enc,
					  s->enc_key, &s->enc_key_len,
					  &s->enc_key_need))
				goto err;
		} else if (!strcmp(kw, "icv")) {
			if (parse_icv(&a, s))
				goto err;
		} else if (!strcmp(kw, "enc")) {
			if (parse_alg_key(&a, kw, NFSEC_ALG_CIPHER, &s->enc,
					  s->enc_key, &s->enc_key_len,
					  &s->enc_key_need))
				goto err;
		} else if (!strcmp(kw, "auth")) {
			if (parse_alg_key(&a, kw, NFSEC_ALG_AUTH, &s->auth,
					  s->auth_key, &s->auth_key_len,
					  &s->auth_key_need))
				goto err;
		} else if (!strcmp(kw, "replay-window")) {
			if (once(&s->has_replay, kw, a.cmd) || !(v = next_value(&a, kw)))
				goto err;
			if (nfsec_parse_u32(v, &s->replay_window, kw))
				goto err;
			if (s->replay_window > NFSEC_REPLAY_WINDOW_MAX) {
				nfsec_error("invalid replay-window \"%s\": out of range (maximum %u)",
					    v, NFSEC_REPLAY_WINDOW_MAX);
				goto err;
			}
		} else if (!strcmp(kw, "esn")) {
			if (once(&seen_esn, kw, a.cmd))
				goto err;
			s->flags |= NFSEC_SA_F_ESN;
		} else if (!strcmp(kw, "align4")) {
			if (once(&seen_align4, kw, a.cmd))
				goto err;
			s->flags |= NFSEC_SA_F_ALIGN4;
		} else if (!strcmp(kw, "seq")) {
			if (once(&s->has_seq, kw, a.cmd) || !(v = next_value(&a, kw)) ||
			    nfsec_parse_u64(v, UINT64_MAX, &s->seq, kw))
				goto err;
		} else if (!strcmp(kw, "reqid")) {
			if (once(&s->has_reqid, kw, a.cmd) || !(v = next_value(&a, kw)) ||
			    nfsec_parse_u32(v, &s->reqid, kw))
				goto err;
		} else {
			unknown(kw, a.cmd);
			goto err;
		}
	}
	if (check_sa_add(&a, s))
		goto err;
	return 0;
err:
	nfsec_sa_args_wipe(s);
	return -1;
}

int nfsec_parse_sa_allocspi(int argc, char **argv, struct nfsec_sa_args *s,
			    uint32_t *min, uint32_t *max)
{
	struct args a = { argc, argv, 0, "sa allocspi", NULL, NULL };
	bool has_range = false;
	const char *kw, *v;
	char *dash;
	int r;

	memset(s, 0, sizeof(*s));
	*min = NFSEC_SPI_MIN;
	*max = UINT32_MAX;
	for (a.i = 0; a.i < argc; a.i++) {
		kw = argv[a.i];
		if (strcmp(kw, "spi")) {
			r = parse_sa_key_word(&a, kw, s);
			if (r < 0)
				return -1;
			if (!r) {
				a.src = argv[a.i];
				continue;
			}
		}
		if (!strcmp(kw, "dst")) {
			if (once(&s->has_dst, kw, a.cmd) || !(v = next_value(&a, kw)) ||
			    nfsec_parse_addr(v, &s->dst, "destination address"))
				return -1;
			a.dst = v;
		} else if (!strcmp(kw, "reqid")) {
			if (once(&s->has_reqid, kw, a.cmd) || !(v = next_value(&a, kw)) ||
			    nfsec_parse_u32(v, &s->reqid, kw))
				return -1;
		} else if (!strcmp(kw, "range")) {
			char buf[32];

			if (once(&has_range, kw, a.cmd) || !(v = next_value(&a, kw)))
				return -1;
			snprintf(buf, sizeof(buf), "%s", v);
			dash = strchr(buf, '-');
			if (!dash || strlen(v) >= sizeof(buf))
				return nfsec_error("invalid range \"%s\": expected MIN-MAX", v);
			*dash = '\0';
			if (nfsec_parse_spi(buf, min) || nfsec_parse_spi(dash + 1, max))
				return -1;
			if (*min > *max)
				return nfsec_error("invalid range \"%s\": MIN above MAX", v);
		} else {
			return unknown(kw, a.cmd);
		}
	}
	if (!s->has_proto)
		return missing("proto", a.cmd);
	if (!s->has_src)
		return missing("src", a.cmd);
	if (!s->has_dst)
		return missing("dst", a.cmd);
	return same_family(&a, &s->src, &s->dst);
}

int nfsec_parse_sa_id(int argc, char **argv, struct nfsec_sa_args *s,
		      bool allow_with_keys, const char *cmd)
{
	struct args a = { argc, argv, 0, cmd, NULL, NULL };
	int r;

	memset(s, 0, sizeof(*s));
	for (a.i = 0; a.i < argc; a.i++) {
		r = parse_sa_key_word(&a, argv[a.i], s);
		if (r < 0)
			return -1;
		if (!r)
			continue;
		if (allow_with_keys && !strcmp(argv[a.i], "with-keys")) {
			if (once(&s->with_keys, argv[a.i], cmd))
				return -1;
			continue;
		}
		return unknown(argv[a.i], cmd);
	}
	if (!s->has_proto)
		return missing("proto", cmd);
	if (!s->has_src)
		return missing("src", cmd);
	if (!s->has_spi)
		return missing("spi", cmd);
	return 0;
}

void nfsec_sa_args_wipe(struct nfsec_sa_args *s)
{
	explicit_bzero(s->enc_key, sizeof(s->enc_key));
	explicit_bzero(s->auth_key, sizeof(s->auth_key));
}

/* Selector keywords shared by "policy add" and "policy del". */
static int parse_selector_word(struct args *a, const char *kw,
			       struct nfsec_pol_args *p)
{
	const char *v;

	if (!strcmp(kw, "dir")) {
		if (once(&p->has_dir, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		if (!strcmp(v, "in"))
			p->dir = NFSEC_DIR_IN;
		else if (!strcmp(v, "out"))
			p->dir = NFSEC_DIR_OUT;
		else
			return nfsec_error("invalid dir \"%s\": expected in or out",
					   v);
		return 0;
	}
	if (!strcmp(kw, "family")) {
		if (once(&p->has_family, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		return nfsec_parse_family(v, &p->family);
	}
	if (!strcmp(kw, "src")) {
		if (once(&p->has_src, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		a->src = v;
		return nfsec_parse_prefix(v, &p->src, &p->src_plen,
					  "source prefix");
	}
	if (!strcmp(kw, "dst")) {
		if (once(&p->has_dst, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		a->dst = v;
		return nfsec_parse_prefix(v, &p->dst, &p->dst_plen,
					  "destination prefix");
	}
	if (!strcmp(kw, "proto")) {
		if (once(&p->has_proto, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		return nfsec_parse_ip_proto(v, &p->proto);
	}
	if (!strcmp(kw, "sport")) {
		if (once(&p->has_sport, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		return nfsec_parse_port_range(v, &p->sport_min, &p->sport_max,
					      "sport");
	}
	if (!strcmp(kw, "dport")) {
		if (once(&p->has_dport, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		return nfsec_parse_port_range(v, &p->dport_min, &p->dport_max,
					      "dport");
	}
	if (!strcmp(kw, "priority")) {
		if (once(&p->has_priority, kw, a->cmd) || !(v = next_value(a, kw)))
			return -1;
		return nfsec_parse_u32(v, &p->priority, "priority");
	}
	return 1;
}

/* "sa proto P src ADDR spi SPI", the three in any order. */
static int parse_policy_sa(struct args *a, struct nfsec_pol_args *p)
{
	struct nfsec_sa_args s;
	int r;

	if (once(&p->has_sa, "sa", a->cmd))
		return -1;
	memset(&s, 0, sizeof(s));
	while (!(s.has_proto && s.has_src && s.has_spi)) {
		if (a->i + 1 >= a->argc)
			break;
		a->i++;
		r = parse_sa_key_word(a, a->argv[a->i], &s);
		if (r < 0)
			return -1;
		if (r > 0) {
			a->i--;
			break;
		}
	}
	if (!s.has_proto)
		return missing("sa proto", a->cmd);
	if (!s.has_src)
		return missing("sa src", a->cmd);
	if (!s.has_spi)
		return missing("sa spi", a->cmd);
	p->sa_proto = s.proto;
	p->sa_src = s.src;
	p->sa_spi = s.spi;
	return 0;
}

/*
 * The family of the packets a policy selects: "family" if given, else that
 * of its prefixes, else IPv4; the prefixes are of that family.
 */
static int check_family(const struct args *a, struct nfsec_pol_args *p)
{
	if (!p->has_family)
		p->family = p->has_src ? p->src.family :
			    p->has_dst ? p->dst.family : AF_INET;
	if (p->has_src && p->src.family != p->family)
		return nfsec_error("src %s: not of family %s", a->src,
				   nfsec_family_name(p->family));
	if (p->has_dst && p->dst.family != p->family)
		return p->has_family ?
		       nfsec_error("dst %s: not of family %s", a->dst,
				   nfsec_family_name(p->family)) :
		       same_family(a, &p->src, &p->dst);
	return 0;
}

static int check_ports(const struct nfsec_pol_args *p, const char *cmd)
{
	if ((p->has_sport || p->has_dport) && !nfsec_proto_has_ports(p->proto))
		return nfsec_error("\"%s\": ports need proto tcp, udp, sctp or udplite",
				   cmd);
	return 0;
}

int nfsec_parse_policy_add(int argc, char **argv, struct nfsec_pol_args *p)
{
	struct args a = { argc, argv, 0, "policy add", NULL, NULL };
	const char *kw, *v;
	int r;

	memset(p, 0, sizeof(*p));
	for (a.i = 0; a.i < argc; a.i++) {
		kw = argv[a.i];
		r = parse_selector_word(&a, kw, p);
		if (r < 0)
			return -1;
		if (!r)
			continue;
		if (!strcmp(kw, "action")) {
			if (once(&p->has_action, kw, a.cmd) || !(v = next_value(&a, kw)))
				return -1;
			if (!strcmp(v, "protect"))
				p->action = NFSEC_ACTION_PROTECT;
			else if (!strcmp(v, "bypass"))
				p->action = NFSEC_ACTION_BYPASS;
			else if (!strcmp(v, "discard"))
				p->action = NFSEC_ACTION_DISCARD;
			else
				return nfsec_error("invalid action \"%s\": expected protect, bypass or discard",
						   v);
		} else if (!strcmp(kw, "sa")) {
			if (parse_policy_sa(&a, p))
				return -1;
		} else if (!strcmp(kw, "reqid")) {
			if (once(&p->has_reqid, kw, a.cmd) || !(v = next_value(&a, kw)))
				return -1;
			if (nfsec_parse_u32(v, &p->reqid, "reqid"))
				return -1;
			if (!p->reqid)
				return nfsec_error("invalid reqid \"%s\": 0 is no request id", v);
		} else {
			return unknown(kw, a.cmd);
		}
	}
	if (!p->has_dir)
		return missing("dir", a.cmd);
	if (!p->has_action)
		return missing("action", a.cmd);
	if (check_family(&a, p) || check_ports(p, a.cmd))
		return -1;
	if (p->has_sa && p->has_reqid)
		return nfsec_error("\"reqid\" and \"sa\" exclude each other in \"%s\"",
				   a.cmd);
	if (p->action == NFSEC_ACTION_PROTECT && !p->has_sa && !p->has_reqid)
		return nfsec_error("\"action protect\" needs \"sa proto P src ADDR spi SPI\" or \"reqid N\"");
	if (p->action != NFSEC_ACTION_PROTECT && p->has_sa)
		return nfsec_error("\"sa\" is only valid with \"action protect\"");
	if (p->action != NFSEC_ACTION_PROTECT && p->has_reqid)
		return nfsec_error("\"reqid\" is only valid with \"action protect\"");
	return 0;
}

int nfsec_parse_policy_del(int argc, char **argv, struct nfsec_pol_args *p)
{
	struct args a = { argc, argv, 0, "policy del", NULL, NULL };
	const char *kw, *v;
	int r;

	memset(p, 0, sizeof(*p));
	for (a.i = 0; a.i < argc; a.i++) {
		kw = argv[a.i];
		if (!strcmp(kw, "index")) {
			if (once(&p->has_index, kw, a.cmd) || !(v = next_value(&a, kw)))
				return -1;
			if (nfsec_parse_u32(v, &p->index, "index"))
				return -1;
			continue;
		}
		r = parse_selector_word(&a, kw, p);
		if (r < 0)
			return -1;
		if (r > 0)
			return unknown(kw, a.cmd);
	}
	if (p->has_index) {
		if (p->has_dir || p->has_family || p->has_src || p->has_dst ||
		    p->has_proto || p->has_sport || p->has_dport ||
		    p->has_priority)
			return nfsec_error("\"policy del index N\" takes no selectors");
		return 0;
	}
	if (!p->has_dir)
		return nfsec_error("\"policy del\" needs \"index\" or \"dir\"");
	if (check_family(&a, p))
		return -1;
	return check_ports(p, a.cmd);
}

int nfsec_split_line(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		       *p == '\v' || *p == '\f')
			p++;
		if (!*p || *p == '#')
			break;
		if (argc == max)
			return -1;
		argv[argc++] = p;
		while (*p && !strchr(" \t\n\r\v\f", *p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	return argc;
}
