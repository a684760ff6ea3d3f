// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the nfsec tool: parsers, message building, the JSON
 * writer, the netlink transport against the kernel's own "nlctrl" family,
 * and (given the tool's path) the command line. Output is TAP version 13.
 *
 *	tests/nfsec-test [PATH-TO-NFSEC]
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "json.h"
#include "msg.h"
#include "netlink.h"
#include "parse.h"
#include "print.h"
#include "util.h"

extern char **environ;

static FILE *tap;
static char *tap_buf;
static size_t tap_len;
static unsigned int tap_n, tap_failed;
static int ok_quiet_eq;	/* the last ok() passed */

static void ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	ok_quiet_eq = cond;
	if (!cond)
		tap_failed++;
	fprintf(tap, "%s %u - ", cond ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vfprintf(tap, fmt, ap);
	va_end(ap);
	fputc('\n', tap);
	if (!cond && *nfsec_error_last())
		fprintf(tap, "# last error: %s\n", nfsec_error_last());
}

static void skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	fprintf(tap, "ok %u - ", tap_n);
	va_start(ap, fmt);
	vfprintf(tap, fmt, ap);
	va_end(ap);
	fprintf(tap, " # SKIP %s\n", why);
}

static int err_is(const char *expect)
{
	return !strcmp(nfsec_error_last(), expect);
}

static int err_has(const char *part)
{
	return strstr(nfsec_error_last(), part) != NULL;
}

/* Split a string literal into a writable argv. */
static int mkargv(const char *s, char *buf, size_t size, char **argv, int max)
{
	snprintf(buf, size, "%s", s);
	return nfsec_split_line(buf, argv, max);
}

static void test_numbers(void)
{
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	ok(!nfsec_parse_u32("4294967295", &v32, "n") && v32 == UINT32_MAX,
	   "u32: 4294967295 accepted");
	ok(nfsec_parse_u32("4294967296", &v32, "n"), "u32: 4294967296 rejected");
	ok(!nfsec_parse_u64("18446744073709551615", UINT64_MAX, &v64, "n") &&
	   v64 == UINT64_MAX, "u64: 2^64-1 accepted");
	ok(nfsec_parse_u64("18446744073709551616", UINT64_MAX, &v64, "n") &&
	   err_has("out of range"), "u64: 2^64 overflow rejected");
	ok(nfsec_parse_u64("0xffffffffffffffff0", UINT64_MAX, &v64, "n"),
	   "u64: hex overflow rejected");
	ok(nfsec_parse_u32("-1", &v32, "n") && err_has("not a number"),
	   "number: negative rejected");
	ok(nfsec_parse_u32("+1", &v32, "n"), "number: leading plus rejected");
	ok(nfsec_parse_u32("12x", &v32, "n"), "number: trailing garbage rejected");
	ok(nfsec_parse_u32("", &v32, "n"), "number: empty rejected");
	ok(nfsec_parse_u32("0x", &v32, "n"), "number: bare 0x rejected");
	ok(nfsec_parse_u32(" 1", &v32, "n"), "number: leading blank rejected");
	ok(!nfsec_parse_u32("0x1F", &v32, "n") && v32 == 31,
	   "number: 0x1F is 31");
	ok(nfsec_parse_u16("65536", &v16, "n"), "u16: 65536 rejected");
}

static void test_addresses(void)
{
	struct nfsec_addr a;
	uint8_t plen;

	ok(!nfsec_parse_addr("10.0.0.1", &a, "a") && a.family == AF_INET &&
	   a.v4 == htonl(0x0a000001), "addr: 10.0.0.1 in network order");
	ok(nfsec_parse_addr("256.0.0.1", &a, "a"), "addr: octet 256 rejected");
	ok(nfsec_parse_addr("10.0.0.1x", &a, "a"),
	   "addr: trailing garbage rejected");
	ok(nfsec_parse_addr("10.0.0", &a, "a"), "addr: three octets rejected");
	ok(nfsec_parse_addr("10.0.0.1.2", &a, "a") &&
	   err_is("invalid a \"10.0.0.1.2\": not an IPv4 or IPv6 address"),
	   "addr: five octets rejected, the token named");
	ok(nfsec_parse_addr("", &a, "a"), "addr: empty rejected");
	ok(nfsec_parse_addr("10.0.0.1/32", &a, "a"), "addr: prefix rejected");

	ok(!nfsec_parse_prefix("0.0.0.0/0", &a, &plen, "p") && !a.v4 && !plen &&
	   a.family == AF_INET, "prefix: 0.0.0.0/0");
	ok(!nfsec_parse_prefix("10.0.0.1/32", &a, &plen, "p") && plen == 32,
	   "prefix: /32");
	ok(!nfsec_parse_prefix("10.0.0.1", &a, &plen, "p") && plen == 32,
	   "prefix: no length means /32");
	ok(!nfsec_parse_prefix("10.1.0.0/16", &a, &plen, "p") && plen == 16 &&
	   a.v4 == htonl(0x0a010000), "prefix: 10.1.0.0/16");
	ok(nfsec_parse_prefix("10.0.0.1/33", &a, &plen, "p"),
	   "prefix: /33 rejected");
	ok(nfsec_parse_prefix("10.0.0.1/24", &a, &plen, "source prefix") &&
	   err_is("invalid source prefix \"10.0.0.1/24\": host bits set"),
	   "prefix: host bits set rejected with message");
	ok(nfsec_parse_prefix("1.2.3.4/0", &a, &plen, "p"),
	   "prefix: /0 with host bits rejected");
	ok(nfsec_parse_prefix("10.0.0.0/", &a, &plen, "p"),
	   "prefix: empty length rejected");
	ok(nfsec_parse_prefix("10.0.0.0/0x8", &a, &plen, "p"),
	   "prefix: hex length rejected");
	ok(nfsec_parse_prefix("10.0.0.0/-1", &a, &plen, "p"),
	   "prefix: negative length rejected");
}

/*
 * Addresses and prefixes of either family: what each reads back as
 * (ADDR, or ADDR/LEN for a prefix), or the error it gives.
 */
static const struct {
	const char *s;
	bool prefix;
	const char *want;
	const char *err;
} addr_cases[] = {
	{ "2001:db8::1", false, "2001:db8::1", NULL },
	{ "2001:DB8:0:0:0:0:0:1", false, "2001:db8::1", NULL },
	{ "::", false, "::", NULL },
	{ "::1", false, "::1", NULL },
	{ "fe80::1", false, "fe80::1", NULL },
	{ "::ffff:10.0.0.1", false, "::ffff:10.0.0.1", NULL },
	{ "10.0.0.1", false, "10.0.0.1", NULL },
	{ "2001:db8::1::2", false, NULL,
	  "invalid a \"2001:db8::1::2\": not an IPv4 or IPv6 address" },
	{ "2001:db8::g", false, NULL,
	  "invalid a \"2001:db8::g\": not an IPv4 or IPv6 address" },
	{ "1:2:3:4:5:6:7:8:9", false, NULL,
	  "invalid a \"1:2:3:4:5:6:7:8:9\": not an IPv4 or IPv6 address" },
	{ "fe80::1%eth0", false, NULL,
	  "invalid a \"fe80::1%eth0\": an IPv6 zone (%eth0) is not supported" },
	{ "2001:db8::1/64", false, NULL,
	  "invalid a \"2001:db8::1/64\": not an IPv4 or IPv6 address" },
	{ "2001:db8::/64", true, "2001:db8::/64", NULL },
	{ "2001:DB8:0::/32", true, "2001:db8::/32", NULL },
	{ "::/0", true, "::/0", NULL },
	{ "::", true, "::/128", NULL },
	{ "2001:db8::1", true, "2001:db8::1/128", NULL },
	{ "2001:db8::1/128", true, "2001:db8::1/128", NULL },
	{ "2001:db8:8000::/33", true, "2001:db8:8000::/33", NULL },
	{ "8000::/1", true, "8000::/1", NULL },
	{ "fe80::/10", true, "fe80::/10", NULL },
	{ "10.0.0.0/8", true, "10.0.0.0/8", NULL },
	{ "2001:db8::1/129", true, NULL,
	  "invalid prefix length \"129\": out of range (maximum 128)" },
	{ "2001:db8::1/64", true, NULL,
	  "invalid p \"2001:db8::1/64\": host bits set" },
	{ "2001:db8:4000::/33", true, NULL,
	  "invalid p \"2001:db8:4000::/33\": host bits set" },
	{ "::1/127", true, NULL, "invalid p \"::1/127\": host bits set" },
	{ "c000::/1", true, NULL, "invalid p \"c000::/1\": host bits set" },
	{ "::1/0", true, NULL, "invalid p \"::1/0\": host bits set" },
	{ "2001:db8::/0064", true, NULL,
	  "invalid p \"2001:db8::/0064\": bad prefix length" },
	{ "2001:db8::/", true, NULL, "invalid p \"2001:db8::/\": bad prefix length" },
	{ "2001:db8::/+64", true, NULL,
	  "invalid p \"2001:db8::/+64\": bad prefix length" },
	{ "10.0.0.0/100", true, NULL, "invalid p \"10.0.0.0/100\": bad prefix length" },
	{ "fe80::%eth0/64", true, NULL,
	  "invalid p \"fe80::%eth0/64\": an IPv6 zone (%eth0) is not supported" },
	{ "2001:db8::x/64", true, NULL,
	  "invalid p \"2001:db8::x/64\": not an IPv4 or IPv6 prefix" },
};

static void test_addresses6(void)
{
	static const uint8_t db8_1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	char buf[NFSEC_ADDR_STRLEN + 4], str[NFSEC_ADDR_STRLEN];
	struct nfsec_addr a;
	uint8_t plen = 0;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(addr_cases); i++) {
		r = addr_cases[i].prefix ?
		    nfsec_parse_prefix(addr_cases[i].s, &a, &plen, "p") :
		    nfsec_parse_addr(addr_cases[i].s, &a, "a");
		if (!addr_cases[i].want) {
			ok(r && err_is(addr_cases[i].err), "%s: \"%s\" refused: %s",
			   addr_cases[i].prefix ? "prefix" : "addr",
			   addr_cases[i].s, addr_cases[i].err);
			continue;
		}
		nfsec_addr_str(&a, str);
		if (addr_cases[i].prefix)
			snprintf(buf, sizeof(buf), "%s/%u", str, plen);
		else
			snprintf(buf, sizeof(buf), "%s", str);
		ok(!r && !strcmp(buf, addr_cases[i].want), "%s: \"%s\" is %s (%s)",
		   addr_cases[i].prefix ? "prefix" : "addr", addr_cases[i].s,
		   addr_cases[i].want, r ? "refused" : buf);
	}
	ok(!nfsec_parse_addr("2001:db8::1", &a, "a") && a.family == AF_INET6 &&
	   !memcmp(&a.v6, db8_1, 16), "addr: 2001:db8::1 is IPv6, in network order");
	ok(!nfsec_parse_prefix("::/0", &a, &plen, "p") && a.family == AF_INET6 &&
	   nfsec_addr_is_zero(&a) && !plen, "prefix: ::/0 is IPv6, all zero");
	ok(!nfsec_parse_prefix("0.0.0.0/0", &a, &plen, "p") && a.family == AF_INET &&
	   nfsec_addr_is_zero(&a), "prefix: 0.0.0.0/0 is IPv4, all zero");
}

static void test_families(void)
{
	static const struct {
		const char *s;
		uint8_t family;
	} good[] = {
		{ "inet", AF_INET }, { "inet6", AF_INET6 }, { "ipv4", AF_INET },
		{ "ipv6", AF_INET6 }, { "4", AF_INET }, { "6", AF_INET6 },
	};
	uint8_t f, p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		ok(!nfsec_parse_family(good[i].s, &f) && f == good[i].family,
		   "family: %s is %u", good[i].s, good[i].family);
	ok(nfsec_parse_family("inet4", &f) &&
	   err_is("invalid family \"inet4\": expected inet or inet6"),
	   "family: inet4 refused, the choices named");
	ok(nfsec_parse_family("10", &f), "family: AF_INET6's number refused");
	ok(!strcmp(nfsec_family_name(AF_INET), "inet") &&
	   !strcmp(nfsec_family_name(AF_INET6), "inet6"),
	   "family: names inet and inet6");
	ok(!nfsec_parse_ip_proto("ipv6-icmp", &p) && p == 58 &&
	   !nfsec_parse_ip_proto("icmpv6", &p) && p == 58 &&
	   !nfsec_parse_ip_proto("58", &p) && p == 58,
	   "proto: ipv6-icmp, icmpv6 and 58 are ICMPv6");
	ok(!strcmp(nfsec_ip_proto_name(58), "ipv6-icmp"),
	   "proto: 58 is printed ipv6-icmp");
	ok(!strcmp(nfsec_ip_proto_name(1), "icmp"), "proto: 1 is still icmp");
}

static void test_spi(void)
{
	uint32_t spi;

	ok(nfsec_parse_spi("0", &spi), "spi: 0 rejected");
	ok(nfsec_parse_spi("255", &spi) && err_has("reserved"),
	   "spi: 255 rejected as reserved");
	ok(!nfsec_parse_spi("256", &spi) && spi == 256, "spi: 256 accepted");
	ok(!nfsec_parse_spi("0xffffffff", &spi) && spi == 0xffffffff,
	   "spi: 0xffffffff accepted");
	ok(nfsec_parse_spi("0x100000000", &spi), "spi: 0x100000000 rejected");
	ok(nfsec_parse_spi("12x", &spi) &&
	   err_is("invalid SPI \"12x\": not a number"),
	   "spi: \"12x\" error message names the token");
}

/* Every genkey name is a name of "sa add", for a key of the same length. */
static void test_genkey_names_agree(void)
{
	const struct nfsec_genkey_alg *g;
	const struct nfsec_alg *a;
	size_t n, i, len;
	int k, agree = 1;

	g = nfsec_genkey_algs(&n);
	for (i = 0; i < n; i++) {
		a = NULL;
		for (k = NFSEC_ALG_AEAD; k <= NFSEC_ALG_AUTH && !a; k++) {
			a = nfsec_alg_lookup(g[i].name, k, &len);
			if (a && (len ? len != g[i].len : nfsec_alg_check_key(a, g[i].len)))
				a = NULL;
		}
		if (!a) {
			agree = 0;
			fprintf(tap, "# genkey %s: not an \"sa add\" name\n", g[i].name);
		}
	}
	ok(agree, "genkey: its %zu names are \"sa add\" names of the same key length", n);
}

static void test_keys(void)
{
	uint8_t key[NFSEC_KEY_MAX];
	char path[] = "/tmp/nfsec-test-key.XXXXXX";
	char long_key[2 * NFSEC_KEY_MAX + 8];
	const struct nfsec_alg *alg;
	size_t len;
	int fd;

	ok(!nfsec_parse_key("0x00112233", key, sizeof(key), &len, "k") &&
	   len == 4 && key[0] == 0x00 && key[3] == 0x33, "key: 0x prefix");
	ok(!nfsec_parse_key("DEADbeef", key, sizeof(key), &len, "k") &&
	   len == 4 && key[0] == 0xde && key[3] == 0xef,
	   "key: no prefix, mixed case");
	ok(nfsec_parse_key("0x001", key, sizeof(key), &len, "k") &&
	   err_has("odd number"), "key: odd length rejected");
	ok(nfsec_parse_key("0x00zz", key, sizeof(key), &len, "k") &&
	   err_has("not hex"), "key: bad characters rejected");
	memset(long_key, 'a', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	ok(nfsec_parse_key(long_key, key, sizeof(key), &len, "k"),
	   "key: longer than NFSEC_KEY_MAX rejected");

	fd = mkstemp(path);
	if (fd >= 0 && write(fd, "  0xa0a1a2a3\n\n", 14) == 14) {
		char arg[64];

		snprintf(arg, sizeof(arg), "@%s", path);
		ok(!nfsec_parse_key(arg, key, sizeof(key), &len, "k") &&
		   len == 4 && key[0] == 0xa0 && key[3] == 0xa3,
		   "key: @FILE read, whitespace trimmed");
		unlink(path);
		ok(nfsec_parse_key(arg, key, sizeof(key), &len, "k") &&
		   err_has("No such file"), "key: missing @FILE rejected");
	} else {
		skip("mkstemp failed", "key: @FILE read");
		skip("mkstemp failed", "key: missing @FILE rejected");
	}
	if (fd >= 0)
		close(fd);
	ok(nfsec_parse_key("@", key, sizeof(key), &len, "k"),
	   "key: bare @ rejected");

	alg = nfsec_alg_find("aes-gcm", NFSEC_ALG_AEAD);
	ok(alg && nfsec_alg_check_key(alg, 16) &&
	   err_is("key for aes-gcm must be 20, 28 or 36 bytes, got 16"),
	   "key: aes-gcm with 16 bytes rejected with message");
	ok(alg && !nfsec_alg_check_key(alg, 36), "key: aes-gcm 36 bytes ok");
	alg = nfsec_alg_find("chacha20-poly1305", NFSEC_ALG_AEAD);
	ok(alg && !nfsec_alg_check_key(alg, 36) && nfsec_alg_check_key(alg, 32),
	   "key: chacha20-poly1305 needs 36 bytes");
	alg = nfsec_alg_find("hmac-sha256", NFSEC_ALG_AUTH);
	ok(alg && !nfsec_alg_check_key(alg, 32) && nfsec_alg_check_key(alg, 31),
	   "key: hmac-sha256 needs 32 bytes");
	ok(!nfsec_alg_find("aes-foo", NFSEC_ALG_AEAD) &&
	   err_is("unknown aead algorithm \"aes-foo\" (known: aes-gcm[-128|-192|-256], "
		  "chacha20-poly1305, aes-gmac[-128|-192|-256])"),
	   "alg: unknown algorithm rejected, the known ones listed");
	ok(!nfsec_alg_find("aes-cbc", NFSEC_ALG_AEAD),
	   "alg: cipher is not an AEAD");
	ok(!nfsec_alg_find("hmac-md5", NFSEC_ALG_AUTH),
	   "alg: hmac-md5 unknown");
	ok(nfsec_genkey_find("aes-gcm-128") &&
	   nfsec_genkey_find("aes-gcm-128")->len == 20 &&
	   nfsec_genkey_find("chacha20-poly1305")->len == 36 &&
	   nfsec_genkey_find("aes-cbc-256")->len == 32,
	   "genkey: lengths include the AEAD salt");
	ok(!nfsec_genkey_find("aes-gcm") && err_has("aes-gcm-128"),
	   "genkey: a name without the key size asks for it");
	ok(!nfsec_alg_find("des", NFSEC_ALG_CIPHER) &&
	   err_is("des is refused: RFC 8221 says MUST NOT"),
	   "alg: des refused with its reason");
	ok(!nfsec_alg_find("hmac-md5", NFSEC_ALG_AUTH) && err_has("MUST NOT"),
	   "alg: hmac-md5 refused with its reason");
	ok(!nfsec_genkey_find("3des") && err_has("SHOULD NOT"),
	   "genkey: 3des refused with its reason");
	ok(!nfsec_alg_find("aes-gcm", NFSEC_ALG_CIPHER) &&
	   err_is("aes-gcm is an \"aead\" algorithm, not \"enc\""),
	   "alg: an AEAD asked for as enc is named for what it is");
	ok(!nfsec_alg_find("aes-gcm-100", NFSEC_ALG_AEAD), "alg: aes-gcm-100 unknown");
	ok(!nfsec_alg_find("hmac-sha256-256", NFSEC_ALG_AUTH),
	   "alg: no sized name for a single-size algorithm");
	test_genkey_names_agree();
}

static void test_ports_protos(void)
{
	uint16_t lo, hi;
	uint8_t p;

	ok(!nfsec_parse_port_range("80", &lo, &hi, "dport") && lo == 80 &&
	   hi == 80, "port: single port");
	ok(!nfsec_parse_port_range("1000-2000", &lo, &hi, "dport") &&
	   lo == 1000 && hi == 2000, "port: range");
	ok(!nfsec_parse_port_range("0-65535", &lo, &hi, "dport") && !lo &&
	   hi == 65535, "port: full range");
	ok(nfsec_parse_port_range("65536", &lo, &hi, "dport"),
	   "port: 65536 rejected");
	ok(nfsec_parse_port_range("2000-1000", &lo, &hi, "dport") &&
	   err_has("reversed"), "port: reversed range rejected");
	ok(nfsec_parse_port_range("80-", &lo, &hi, "dport"),
	   "port: open range rejected");
	ok(nfsec_parse_port_range("-80", &lo, &hi, "dport"),
	   "port: leading dash rejected");
	ok(!nfsec_parse_ip_proto("tcp", &p) && p == 6, "proto: tcp is 6");
	ok(!nfsec_parse_ip_proto("any", &p) && p == 0, "proto: any is 0");
	ok(!nfsec_parse_ip_proto("47", &p) && p == 47, "proto: number");
	ok(nfsec_parse_ip_proto("256", &p), "proto: 256 rejected");
	ok(nfsec_parse_ip_proto("foo", &p), "proto: unknown name rejected");
	ok(nfsec_parse_ipsec_proto("udp", &p), "proto: udp is not esp or ah");
}

static void test_sa_add(void)
{
	char buf[1024], *argv[64];
	struct nfsec_sa_args a;
	int argc;

	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1000 mode tunnel "
		      "aead aes-gcm 0x000102030405060708090a0b0c0d0e0f10111213 icv 96 "
		      "replay-window 128 esn seq 5 soft-bytes 1000 hard-bytes 2000 "
		      "soft-packets 10 hard-packets 20 soft-seconds 30 hard-seconds 60",
		      buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_add(argc, argv, &a), "sa add: full ESP AEAD vector parses");
	ok(a.proto == IPPROTO_ESP, "sa add: proto esp");
	ok(a.src.family == AF_INET && a.src.v4 == htonl(0x0a000001) &&
	   a.dst.family == AF_INET && a.dst.v4 == htonl(0x0a000002),
	   "sa add: src and dst");
	ok(a.spi == 0x1000, "sa add: spi 0x1000");
	ok(a.has_mode && a.mode == NFSEC_MODE_TUNNEL, "sa add: mode tunnel");
	ok(a.enc && !strcmp(a.enc->name, "aes-gcm") && a.enc_key_len == 20 &&
	   a.enc_key[19] == 0x13, "sa add: aead aes-gcm with 20-byte key");
	ok(!a.auth, "sa add: no auth with aead");
	ok(a.has_icv && a.icv_bits == 96, "sa add: icv 96");
	ok(a.has_replay && a.replay_window == 128, "sa add: replay-window 128");
	ok(a.flags == NFSEC_SA_F_ESN, "sa add: esn flag");
	ok(a.has_seq && a.seq == 5, "sa add: seq 5");
	ok(a.lft_set == 0x3f && a.lft[0] == 1000 && a.lft[1] == 2000 &&
	   a.lft[2] == 10 && a.lft[3] == 20 && a.lft[4] == 30 && a.lft[5] == 60,
	   "sa add: six lifetimes in order");

	argc = mkargv("proto ah src 10.0.0.1 dst 10.0.0.2 spi 300 auth hmac-sha1 "
		      "0x000102030405060708090a0b0c0d0e0f10111213",
		      buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_add(argc, argv, &a) && a.proto == IPPROTO_AH &&
	   a.auth && a.auth_key_len == 20 && !a.enc && !a.has_mode &&
	   !a.has_dir,
	   "sa add: AH with hmac-sha1");

	argc = mkargv("proto ah src 10.0.0.1 dst 10.0.0.2 spi 300 dir in auth hmac-sha1 "
		      "0x000102030405060708090a0b0c0d0e0f10111213",
		      buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_add(argc, argv, &a) && a.has_dir &&
	   a.dir == NFSEC_DIR_IN, "sa add: dir in");
	argc = mkargv("proto ah src 10.0.0.1 dst 10.0.0.2 spi 300 dir out auth hmac-sha1 "
		      "0x000102030405060708090a0b0c0d0e0f10111213",
		      buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_add(argc, argv, &a) && a.has_dir &&
	   a.dir == NFSEC_DIR_OUT, "sa add: dir out");
	argc = mkargv("proto ah src 10.0.0.1 dst 10.0.0.2 spi 300 dir fwd auth hmac-sha1 "
		      "0x000102030405060708090a0b0c0d0e0f10111213",
		      buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a), "sa add: dir fwd refused");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 300 enc aes-cbc "
		      "000102030405060708090a0b0c0d0e0f auth hmac-sha256 "
		      "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f",
		      buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_add(argc, argv, &a) && a.enc_key_len == 16 &&
	   a.auth_key_len == 32, "sa add: ESP aes-cbc + hmac-sha256");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 300 enc null none "
		      "auth hmac-sha1 0x000102030405060708090a0b0c0d0e0f10111213",
		      buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_add(argc, argv, &a) && a.enc_key_len == 0,
	   "sa add: enc null none");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 aead chacha20-poly1305 "
		      "@/nonexistent", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a), "sa add: unreadable @FILE rejected");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 enc null none auth "
		      "hmac-sha1 0x000102030405060708090a0b0c0d0e0f10111213",
		      buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a) && err_is("\"sa add\" needs \"spi\""),
	   "sa add: missing spi reported");
	argc = mkargv("proto esp src 10.0.0.1 foo 1", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a) &&
	   err_is("unknown keyword \"foo\" in \"sa add\""),
	   "sa add: unknown keyword reported");
	argc = mkargv("proto esp proto ah", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a) && err_has("twice"),
	   "sa add: repeated keyword rejected");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 300 spi", buf,
		      sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a), "sa add: keyword without value");
	argc = mkargv("proto ah src 10.0.0.1 dst 10.0.0.2 spi 300 aead aes-gcm "
		      "0x000102030405060708090a0b0c0d0e0f10111213",
		      buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a), "sa add: AH with aead rejected");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 300 aead aes-gcm "
		      "0x000102030405060708090a0b0c0d0e0f10111213 icv 100",
		      buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a), "sa add: icv 100 rejected for aes-gcm");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 300 aead aes-gcm "
		      "0x000102030405060708090a0b0c0d0e0f10111213 replay-window 4097",
		      buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a), "sa add: replay-window 4097 rejected");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 300 enc aes-cbc "
		      "000102030405060708090a0b0c0d0e0f", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a), "sa add: aes-cbc without auth rejected");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 300 aead aes-gcm-128 "
		      "0x000102030405060708090a0b0c0d0e0f10111213", buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_add(argc, argv, &a) && a.enc && !strcmp(a.enc->name, "aes-gcm") &&
	   a.enc_key_len == 20, "sa add: aead aes-gcm-128 is aes-gcm with a 20-byte key");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 300 aead aes-gcm-256 "
		      "0x000102030405060708090a0b0c0d0e0f10111213", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a) &&
	   err_is("key for aes-gcm-256 must be 36 bytes (with salt), got 20"),
	   "sa add: aead aes-gcm-256 checks the key length");
	argc = mkargv("proto ah src 10.0.0.1 dst 10.0.0.2 spi 300 auth aes-gmac-128 "
		      "0x000102030405060708090a0b0c0d0e0f10111213", buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_add(argc, argv, &a) && a.auth && a.auth_key_len == 20,
	   "sa add: AH auth aes-gmac-128");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 300 enc aes-cbc-256 "
		      "000102030405060708090a0b0c0d0e0f auth hmac-sha1 "
		      "0x000102030405060708090a0b0c0d0e0f10111213", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_sa_add(argc, argv, &a) && err_has("must be 32 bytes, got 16"),
	   "sa add: enc aes-cbc-256 with a 128-bit key refused");
	argc = mkargv("proto esp src 10.0.0.1 spi 0x1000 with-keys", buf,
		      sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_id(argc, argv, &a, true, "sa get") && a.with_keys &&
	   a.spi == 0x1000, "sa get: key and with-keys");
	ok(nfsec_parse_sa_id(argc, argv, &a, false, "sa del") &&
	   err_is("unknown keyword \"with-keys\" in \"sa del\""),
	   "sa del: with-keys rejected");
}

static void test_align4(void)
{
	char buf[512], *argv[32];
	struct nfsec_sa_args a;
	int argc;

	argc = mkargv("proto ah src 10.0.0.1 dst 10.0.0.2 spi 0x1000 auth hmac-sha256 "
		      "0x0102030405060708090a0b0c0d0e0f100102030405060708090a0b0c0d0e0f10 align4",
		      buf, sizeof(buf), argv, 32);
	ok(!nfsec_parse_sa_add(argc, argv, &a) && (a.flags & NFSEC_SA_F_ALIGN4),
	   "sa add: align4 with AH over IPv4");
	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1000 aead aes-gcm-128 "
		      "0x0102030405060708090a0b0c0d0e0f1001020304 align4",
		      buf, sizeof(buf), argv, 32);
	ok(nfsec_parse_sa_add(argc, argv, &a) && err_has("align4"),
	   "sa add: align4 with ESP rejected");
}

static void test_allocspi(void)
{
	char buf[512], *argv[32];
	struct nfsec_sa_args a;
	uint32_t min, max;
	int argc;

	argc = mkargv("proto esp src 10.0.0.2 dst 10.0.0.1 reqid 3 range 0xc0000000-0xcfffffff",
		      buf, sizeof(buf), argv, 32);
	ok(!nfsec_parse_sa_allocspi(argc, argv, &a, &min, &max) &&
	   a.proto == IPPROTO_ESP && a.has_reqid && a.reqid == 3 &&
	   min == 0xc0000000 && max == 0xcfffffff, "sa allocspi: full vector parses");
	argc = mkargv("proto ah src 10.0.0.2 dst 10.0.0.1", buf, sizeof(buf), argv, 32);
	ok(!nfsec_parse_sa_allocspi(argc, argv, &a, &min, &max) &&
	   min == 256 && max == 0xffffffff, "sa allocspi: default range");
	argc = mkargv("proto esp src 10.0.0.2 dst 10.0.0.1 range 0x2000-0x1000",
		      buf, sizeof(buf), argv, 32);
	ok(nfsec_parse_sa_allocspi(argc, argv, &a, &min, &max) &&
	   err_has("MIN above MAX"), "sa allocspi: reversed range rejected");
	argc = mkargv("proto esp src 10.0.0.2 dst 10.0.0.1 range 5-0x1000",
		      buf, sizeof(buf), argv, 32);
	ok(nfsec_parse_sa_allocspi(argc, argv, &a, &min, &max),
	   "sa allocspi: reserved SPI in range rejected");
	argc = mkargv("proto esp src 10.0.0.2 dst 10.0.0.1 spi 0x1000",
		      buf, sizeof(buf), argv, 32);
	ok(nfsec_parse_sa_allocspi(argc, argv, &a, &min, &max) &&
	   err_has("spi"), "sa allocspi: spi rejected");
	argc = mkargv("proto esp src 10.0.0.2 dst 2001:db8::1", buf, sizeof(buf),
		      argv, 32);
	ok(nfsec_parse_sa_allocspi(argc, argv, &a, &min, &max),
	   "sa allocspi: mixed families rejected");
	argc = mkargv("proto esp src 10.0.0.2", buf, sizeof(buf), argv, 32);
	ok(nfsec_parse_sa_allocspi(argc, argv, &a, &min, &max) &&
	   err_has("needs \"dst\""), "sa allocspi: missing dst");
}

static void test_policy(void)
{
	char buf[1024], *argv[64];
	struct nfsec_pol_args p;
	int argc;

	argc = mkargv("dir out src 10.0.0.1/32 dst 10.0.0.0/24 proto tcp sport 1024-65535 "
		      "dport 80 action protect sa proto esp src 10.0.0.1 spi 0x1000 priority 5",
		      buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_policy_add(argc, argv, &p), "policy add: full vector parses");
	ok(p.dir == NFSEC_DIR_OUT && p.src_plen == 32 && p.dst_plen == 24 &&
	   p.dst.v4 == htonl(0x0a000000), "policy add: dir and prefixes");
	ok(p.proto == 6 && p.sport_min == 1024 && p.sport_max == 65535 &&
	   p.dport_min == 80 && p.dport_max == 80, "policy add: proto and ports");
	ok(p.action == NFSEC_ACTION_PROTECT && p.has_sa &&
	   p.sa_proto == IPPROTO_ESP && p.sa_src.v4 == htonl(0x0a000001) &&
	   p.sa_spi == 0x1000, "policy add: protect with sa");
	ok(p.has_priority && p.priority == 5, "policy add: priority");
	argc = mkargv("dir out sa spi 300 src 10.0.0.9 proto ah src 10.0.0.0/8 action protect",
		      buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_policy_add(argc, argv, &p) && p.sa_src.v4 == htonl(0x0a000009) &&
	   p.src.v4 == htonl(0x0a000000) && p.src_plen == 8,
	   "policy add: sa words in any order, then selector src");
	argc = mkargv("dir out action protect", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_add(argc, argv, &p), "policy add: protect without sa rejected");
	argc = mkargv("dir in action bypass sa proto esp src 10.0.0.1 spi 300",
		      buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_add(argc, argv, &p), "policy add: bypass with sa rejected");
	argc = mkargv("dir in proto icmp dport 80 action discard", buf, sizeof(buf),
		      argv, 64);
	ok(nfsec_parse_policy_add(argc, argv, &p) && err_has("ports need"),
	   "policy add: ports with icmp rejected");
	argc = mkargv("dir sideways action discard", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_add(argc, argv, &p), "policy add: bad dir rejected");
	argc = mkargv("dir out dst 10.0.0.0/24 action protect reqid 7", buf,
		      sizeof(buf), argv, 64);
	ok(!nfsec_parse_policy_add(argc, argv, &p) && p.has_reqid &&
	   p.reqid == 7 && !p.has_sa, "policy add: protect by reqid");
	argc = mkargv("dir out action protect reqid 0", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_add(argc, argv, &p) && err_has("reqid \"0\""),
	   "policy add: reqid 0 rejected");
	argc = mkargv("dir out action protect reqid 7 sa proto esp src 10.0.0.1 spi 300",
		      buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_add(argc, argv, &p) && err_has("exclude"),
	   "policy add: reqid and sa rejected");
	argc = mkargv("dir out action bypass reqid 7", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_add(argc, argv, &p) && err_has("reqid"),
	   "policy add: bypass with reqid rejected");
	argc = mkargv("dir in src 10.0.0.0/24", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_add(argc, argv, &p) &&
	   err_is("\"policy add\" needs \"action\""), "policy add: missing action");
	argc = mkargv("index 7", buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_policy_del(argc, argv, &p) && p.has_index && p.index == 7,
	   "policy del: by index");
	argc = mkargv("index 7 dir in", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_del(argc, argv, &p), "policy del: index with selectors rejected");
	argc = mkargv("dir in proto udp dport 53 priority 2", buf, sizeof(buf),
		      argv, 64);
	ok(!nfsec_parse_policy_del(argc, argv, &p) && p.has_dir && p.dport_min == 53 &&
	   p.priority == 2, "policy del: by selectors");
	argc = mkargv("dir in action bypass", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_del(argc, argv, &p), "policy del: action rejected");
}

#define KEY20 "0x000102030405060708090a0b0c0d0e0f10111213"

/* "sa add|get|del" with IPv6 ends; both ends of one family. */
static void test_sa6(void)
{
	static const uint8_t db8_2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	static const struct {
		const char *line, *err;
	} bad[] = {
		{ "proto esp src 2001:db8::1 dst 10.0.0.1 spi 0x1000 aead aes-gcm " KEY20,
		  "dst 10.0.0.1: not of the family of src 2001:db8::1" },
		{ "proto esp dst 2001:db8::2 src 10.0.0.1 spi 0x1000 aead aes-gcm " KEY20,
		  "dst 2001:db8::2: not of the family of src 10.0.0.1" },
		{ "proto esp src ::ffff:10.0.0.1 dst 10.0.0.1 spi 0x1000 aead aes-gcm " KEY20,
		  "dst 10.0.0.1: not of the family of src ::ffff:10.0.0.1" },
		{ "proto esp src fe80::1%eth0 dst fe80::2 spi 0x1000 aead aes-gcm " KEY20,
		  "invalid source address \"fe80::1%eth0\": an IPv6 zone (%eth0) is not supported" },
		{ "proto esp src 2001:db8::1 dst 2001:db8::/64 spi 0x1000 aead aes-gcm " KEY20,
		  "invalid destination address \"2001:db8::/64\": not an IPv4 or IPv6 address" },
		{ "proto esp src 2001:db8::1 dst 2001:db8::2 spi 0x1000 family inet6 aead aes-gcm " KEY20,
		  "unknown keyword \"family\" in \"sa add\"" },
	};
	char buf[1024], *argv[64];
	struct nfsec_sa_args a;
	size_t i;
	int argc;

	argc = mkargv("proto esp src 2001:db8::1 dst 2001:DB8::2 spi 0x1000 mode tunnel "
		      "aead aes-gcm " KEY20, buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_add(argc, argv, &a) && a.src.family == AF_INET6 &&
	   a.dst.family == AF_INET6 && !memcmp(&a.dst.v6, db8_2, 16) &&
	   a.spi == 0x1000 && a.mode == NFSEC_MODE_TUNNEL,
	   "sa add: IPv6 src and dst");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		argc = mkargv(bad[i].line, buf, sizeof(buf), argv, 64);
		ok(nfsec_parse_sa_add(argc, argv, &a) && err_is(bad[i].err),
		   "sa add: refused: %s", bad[i].err);
	}
	argc = mkargv("proto ah src 2001:db8::1 spi 300 with-keys", buf,
		      sizeof(buf), argv, 64);
	ok(!nfsec_parse_sa_id(argc, argv, &a, true, "sa get") &&
	   a.src.family == AF_INET6 && a.proto == IPPROTO_AH && a.spi == 300,
	   "sa get: an IPv6 source");
	argc = mkargv("proto esp src 2001:db8::/64 spi 300", buf, sizeof(buf),
		      argv, 64);
	ok(nfsec_parse_sa_id(argc, argv, &a, false, "sa del") &&
	   err_has("\"2001:db8::/64\": not an IPv4 or IPv6 address"),
	   "sa del: a prefix is not an SA's source");
}

/* Policies: the family given, or of the prefixes, which agree with it. */
static void test_policy6(void)
{
	static const struct {
		const char *line;
		uint8_t family;
		bool has_family;
	} good[] = {
		{ "dir out src 2001:db8::/32 dst 2001:db8:1::/48 action bypass",
		  AF_INET6, false },
		{ "dir out dst ::/0 action discard", AF_INET6, false },
		{ "dir out family inet6 action discard", AF_INET6, true },
		{ "dir out family ipv6 proto ipv6-icmp action bypass", AF_INET6, true },
		{ "dir out family 6 src ::1 action bypass", AF_INET6, true },
		{ "dir in family inet action bypass", AF_INET, true },
		{ "dir in family 4 dst 10.0.0.0/8 action bypass", AF_INET, true },
		{ "dir in family ipv4 action bypass", AF_INET, true },
		{ "dir in action bypass", AF_INET, false },
		{ "dir out src 10.0.0.0/8 action protect sa proto esp src 2001:db8::1 spi 300",
		  AF_INET, false },
		{ "dir out family inet6 action protect sa src 10.0.0.1 proto esp spi 300",
		  AF_INET6, true },
		{ "dir out sa proto esp src 2001:db8::1 spi 300 dst 10.0.0.0/8 action protect",
		  AF_INET, false },
	};
	static const struct {
		const char *line, *err;
	} bad[] = {
		{ "dir out src 2001:db8::/32 dst 10.0.0.0/8 action bypass",
		  "dst 10.0.0.0/8: not of the family of src 2001:db8::/32" },
		{ "dir out dst 2001:db8::/32 src 10.0.0.0/8 action bypass",
		  "dst 2001:db8::/32: not of the family of src 10.0.0.0/8" },
		{ "dir out family inet6 src 10.0.0.0/8 action bypass",
		  "src 10.0.0.0/8: not of family inet6" },
		{ "dir out family inet6 dst 10.0.0.1 action bypass",
		  "dst 10.0.0.1: not of family inet6" },
		{ "dir out src 2001:db8::/32 family inet action bypass",
		  "src 2001:db8::/32: not of family inet" },
		{ "dir out family 4 src 10.0.0.0/8 dst 2001:db8::/32 action bypass",
		  "dst 2001:db8::/32: not of family inet" },
		{ "dir out family inet7 action bypass",
		  "invalid family \"inet7\": expected inet or inet6" },
		{ "dir out family inet6 family inet6 action bypass",
		  "\"family\" given twice in \"policy add\"" },
		{ "dir out family", "\"family\" needs a value in \"policy add\"" },
		{ "dir out src 2001:db8::1/129 action bypass",
		  "invalid prefix length \"129\": out of range (maximum 128)" },
		{ "dir out src 2001:db8::1/64 action bypass",
		  "invalid source prefix \"2001:db8::1/64\": host bits set" },
		{ "dir out dst fe80::1%eth0 action bypass",
		  "invalid destination prefix \"fe80::1%eth0\": an IPv6 zone (%eth0) is not supported" },
		{ "dir out family inet6 proto icmpv6 dport 1 action bypass",
		  "\"policy add\": ports need proto tcp, udp, sctp or udplite" },
	};
	char buf[1024], *argv[64];
	struct nfsec_pol_args p;
	size_t i;
	int argc;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		argc = mkargv(good[i].line, buf, sizeof(buf), argv, 64);
		ok(!nfsec_parse_policy_add(argc, argv, &p) &&
		   p.family == good[i].family && p.has_family == good[i].has_family,
		   "policy add: %s: family %u", good[i].line, good[i].family);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		argc = mkargv(bad[i].line, buf, sizeof(buf), argv, 64);
		ok(nfsec_parse_policy_add(argc, argv, &p) && err_is(bad[i].err),
		   "policy add: refused: %s", bad[i].err);
	}
	argc = mkargv("dir out src 2001:db8::/32 proto ipv6-icmp action protect "
		      "sa proto esp src 2001:db8::1 spi 300", buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_policy_add(argc, argv, &p) && p.src.family == AF_INET6 &&
	   p.src_plen == 32 && !p.has_dst && p.proto == 58 &&
	   p.sa_src.family == AF_INET6 && p.sa_spi == 300,
	   "policy add: IPv6 prefix, ipv6-icmp, an IPv6 SA");
	argc = mkargv("dir in family inet6 proto 58", buf, sizeof(buf), argv, 64);
	ok(!nfsec_parse_policy_del(argc, argv, &p) && p.family == AF_INET6 &&
	   p.proto == 58, "policy del: by family");
	argc = mkargv("dir in family inet6 src 10.0.0.0/8", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_del(argc, argv, &p) &&
	   err_is("src 10.0.0.0/8: not of family inet6"),
	   "policy del: the family's prefixes only");
	argc = mkargv("index 3 family inet6", buf, sizeof(buf), argv, 64);
	ok(nfsec_parse_policy_del(argc, argv, &p) &&
	   err_is("\"policy del index N\" takes no selectors"),
	   "policy del: index with a family refused");
}

static void test_split(void)
{
	char buf[256], *argv[8];
	int argc;

	argc = mkargv("  sa add\tproto  esp  # comment here", buf, sizeof(buf), argv, 8);
	ok(argc == 4 && !strcmp(argv[0], "sa") && !strcmp(argv[3], "esp"),
	   "split: blanks, tabs and trailing comment");
	ok(mkargv("# only a comment\n", buf, sizeof(buf), argv, 8) == 0,
	   "split: comment line is empty");
	ok(mkargv("   \r\n", buf, sizeof(buf), argv, 8) == 0,
	   "split: blank line is empty");
	ok(mkargv("a b c d e f g h i", buf, sizeof(buf), argv, 8) == -1,
	   "split: too many words rejected");
	argc = mkargv("version\n", buf, sizeof(buf), argv, 8);
	ok(argc == 1 && !strcmp(argv[0], "version"), "split: newline stripped");
}

static char *json_of(void (*fn)(struct nfsec_json *j))
{
	struct nfsec_json j;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	nfsec_json_init(&j, f);
	fn(&j);
	fclose(f);
	return out;
}

static void json_escape_doc(struct nfsec_json *j)
{
	nfsec_json_obj_open(j, NULL);
	nfsec_json_str(j, "s", "a\"b\\c\nd\te\001f");
	nfsec_json_obj_close(j);
}

static void json_nested_doc(struct nfsec_json *j)
{
	nfsec_json_obj_open(j, NULL);
	nfsec_json_arr_open(j, "a");
	nfsec_json_u64(j, NULL, 1);
	nfsec_json_u64(j, NULL, 18446744073709551615ULL);
	nfsec_json_obj_open(j, NULL);
	nfsec_json_obj_close(j);
	nfsec_json_arr_close(j);
	nfsec_json_bool(j, "t", true);
	nfsec_json_null(j, "n");
	nfsec_json_obj_close(j);
	nfsec_json_arr_open(j, NULL);
	nfsec_json_arr_close(j);
}

static void test_json(void)
{
	char *s;

	s = json_of(json_escape_doc);
	ok(s && !strcmp(s, "{\"s\":\"a\\\"b\\\\c\\nd\\te\\u0001f\"}\n"),
	   "json: quote, backslash, newline, tab and control escaped");
	free(s);
	s = json_of(json_nested_doc);
	ok(s && !strcmp(s, "{\"a\":[1,18446744073709551615,{}],\"t\":true,\"n\":null}\n[]\n"),
	   "json: nesting, commas, literals, consecutive documents");
	free(s);
}

struct attr_tb {
	const struct nlattr *a[32];
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct attr_tb *tb = data;

	if (mnl_attr_get_type(attr) < 32)
		tb->a[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static void test_msg_sa(void)
{
	char buf[1024], *argv[64];
	struct attr_tb top = { 0 }, sa = { 0 }, lft = { 0 };
	struct nfsec_sa_args a;
	struct nfsec_msg m;
	struct genlmsghdr *g;
	const char *name;
	int argc, r;

	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1000 mode tunnel "
		      "aead aes-gcm 0x000102030405060708090a0b0c0d0e0f10111213 icv 96 "
		      "replay-window 128 esn seq 5 hard-bytes 2000 soft-seconds 30",
		      buf, sizeof(buf), argv, 64);
	if (nfsec_parse_sa_add(argc, argv, &a)) {
		ok(0, "msg: sa add vector parses");
		return;
	}
	nfsec_msg_init(&m, 0x42, NFSEC_CMD_SA_ADD, 0);
	ok(!nfsec_msg_sa_add(&m, &a), "msg: sa add built");
	g = mnl_nlmsg_get_payload(m.nlh);
	ok(m.nlh->nlmsg_type == 0x42 && (m.nlh->nlmsg_flags & NLM_F_REQUEST) &&
	   g->cmd == NFSEC_CMD_SA_ADD && g->version == NFSEC_GENL_VERSION,
	   "msg: header, family, command and version");
	r = mnl_attr_parse(m.nlh, sizeof(*g), tb_cb, &top);
	ok(r == MNL_CB_OK && top.a[NFSEC_A_SA] && !top.a[NFSEC_A_FLAGS],
	   "msg: one NFSEC_A_SA nest at top level");
	if (!top.a[NFSEC_A_SA])
		return;
	mnl_attr_parse_nested(top.a[NFSEC_A_SA], tb_cb, &sa);
	ok(sa.a[NFSEC_SA_A_PROTO] && mnl_attr_get_payload_len(sa.a[NFSEC_SA_A_PROTO]) == 1 &&
	   mnl_attr_get_u8(sa.a[NFSEC_SA_A_PROTO]) == IPPROTO_ESP,
	   "msg: NFSEC_SA_A_PROTO is u8 50");
	ok(sa.a[NFSEC_SA_A_SRC] && mnl_attr_get_u32(sa.a[NFSEC_SA_A_SRC]) == htonl(0x0a000001),
	   "msg: NFSEC_SA_A_SRC big endian");
	ok(sa.a[NFSEC_SA_A_DST] && mnl_attr_get_u32(sa.a[NFSEC_SA_A_DST]) == htonl(0x0a000002),
	   "msg: NFSEC_SA_A_DST big endian");
	ok(sa.a[NFSEC_SA_A_SPI] && mnl_attr_get_u32(sa.a[NFSEC_SA_A_SPI]) == htonl(0x1000),
	   "msg: NFSEC_SA_A_SPI big endian");
	ok(sa.a[NFSEC_SA_A_MODE] && mnl_attr_get_u8(sa.a[NFSEC_SA_A_MODE]) == NFSEC_MODE_TUNNEL,
	   "msg: NFSEC_SA_A_MODE tunnel");
	ok(sa.a[NFSEC_SA_A_ENC_ALG] &&
	   !mnl_attr_validate(sa.a[NFSEC_SA_A_ENC_ALG], MNL_TYPE_NUL_STRING) &&
	   !strcmp(mnl_attr_get_str(sa.a[NFSEC_SA_A_ENC_ALG]), "aes-gcm"),
	   "msg: NFSEC_SA_A_ENC_ALG NUL-terminated \"aes-gcm\"");
	ok(sa.a[NFSEC_SA_A_ENC_KEY] && mnl_attr_get_payload_len(sa.a[NFSEC_SA_A_ENC_KEY]) == 20 &&
	   ((const uint8_t *)mnl_attr_get_payload(sa.a[NFSEC_SA_A_ENC_KEY]))[19] == 0x13,
	   "msg: NFSEC_SA_A_ENC_KEY 20 bytes with salt");
	ok(!sa.a[NFSEC_SA_A_AUTH_ALG] && !sa.a[NFSEC_SA_A_AUTH_KEY],
	   "msg: no auth attributes for AEAD");
	ok(sa.a[NFSEC_SA_A_ICV_BITS] && mnl_attr_get_payload_len(sa.a[NFSEC_SA_A_ICV_BITS]) == 2 &&
	   mnl_attr_get_u16(sa.a[NFSEC_SA_A_ICV_BITS]) == 96, "msg: NFSEC_SA_A_ICV_BITS u16 96");
	ok(sa.a[NFSEC_SA_A_REPLAY_WINDOW] &&
	   mnl_attr_get_u32(sa.a[NFSEC_SA_A_REPLAY_WINDOW]) == 128,
	   "msg: NFSEC_SA_A_REPLAY_WINDOW u32 128");
	ok(sa.a[NFSEC_SA_A_FLAGS] && mnl_attr_get_u32(sa.a[NFSEC_SA_A_FLAGS]) == NFSEC_SA_F_ESN,
	   "msg: NFSEC_SA_A_FLAGS esn");
	ok(sa.a[NFSEC_SA_A_SEQ] && mnl_attr_get_payload_len(sa.a[NFSEC_SA_A_SEQ]) == 8 &&
	   mnl_attr_get_u64(sa.a[NFSEC_SA_A_SEQ]) == 5, "msg: NFSEC_SA_A_SEQ u64 5");
	ok(!sa.a[NFSEC_SA_A_ENC_KEY_BITS] && !sa.a[NFSEC_SA_A_STATS] &&
	   !sa.a[NFSEC_SA_A_STATE] && !sa.a[NFSEC_SA_A_AGE],
	   "msg: no read-only attributes sent");
	if (sa.a[NFSEC_SA_A_LIFETIME])
		mnl_attr_parse_nested(sa.a[NFSEC_SA_A_LIFETIME], tb_cb, &lft);
	ok(lft.a[NFSEC_LFT_A_HARD_BYTES] && lft.a[NFSEC_LFT_A_SOFT_SECONDS] &&
	   mnl_attr_get_u64(lft.a[NFSEC_LFT_A_HARD_BYTES]) == 2000 &&
	   mnl_attr_get_u64(lft.a[NFSEC_LFT_A_SOFT_SECONDS]) == 30 &&
	   !lft.a[NFSEC_LFT_A_SOFT_BYTES] && !lft.a[NFSEC_LFT_A_HARD_SECONDS],
	   "msg: NFSEC_SA_A_LIFETIME carries only the given limits");
	name = nfsec_msg_attr_name(m.attrs, m.nattrs,
				   (uint32_t)((const uint8_t *)sa.a[NFSEC_SA_A_SPI] -
					      (const uint8_t *)m.nlh));
	ok(name && !strcmp(name, "NFSEC_SA_A_SPI"),
	   "msg: offset of the SPI attribute maps back to NFSEC_SA_A_SPI");
	name = nfsec_msg_attr_name(m.attrs, m.nattrs,
				   (uint32_t)((const uint8_t *)lft.a[NFSEC_LFT_A_HARD_BYTES] -
					      (const uint8_t *)m.nlh));
	ok(name && !strcmp(name, "NFSEC_LFT_A_HARD_BYTES"),
	   "msg: offset inside a nested nest maps back to its name");
	ok(!nfsec_msg_attr_name(m.attrs, m.nattrs, 1), "msg: unknown offset has no name");
	name = nfsec_attr_type_name("NFSEC_A_SA", NFSEC_SA_A_DST);
	ok(name && !strcmp(name, "NFSEC_SA_A_DST"), "msg: missing-attribute type names");
	nfsec_msg_wipe(&m);
	nfsec_sa_args_wipe(&a);
}

/* A kernel refusal of request @m, in the user's words. */
static const char *words_of(const struct nfsec_msg *m, const char *msg,
			    const char *bad, const char *miss)
{
	static char out[256];

	nfsec_kernel_words(out, sizeof(out), m->attrs, m->nattrs, msg, bad,
			   miss, "Invalid argument");
	return out;
}

static void test_kernel_words(void)
{
	char buf[1024], *argv[64];
	struct nfsec_sa_args a;
	struct nfsec_msg m;
	int argc;

	argc = mkargv("proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1000 "
		      "aead aes-gcm 0x000102030405060708090a0b0c0d0e0f10111213 "
		      "soft-bytes 3000 hard-bytes 2000", buf, sizeof(buf), argv, 64);
	if (nfsec_parse_sa_add(argc, argv, &a)) {
		ok(0, "words: sa add vector parses");
		return;
	}
	nfsec_msg_init(&m, 0x42, NFSEC_CMD_SA_ADD, 0);
	nfsec_msg_sa_add(&m, &a);
	ok(!strcmp(words_of(&m, "NFSEC_LFT_A_SOFT_BYTES: above NFSEC_LFT_A_HARD_BYTES",
			    "NFSEC_LFT_A_SOFT_BYTES", NULL),
		   "soft-bytes: above hard-bytes"),
	   "words: attribute names become keywords, the message said once");
	ok(!strcmp(words_of(&m, "above the hard limit", "NFSEC_LFT_A_SOFT_BYTES",
			    NULL), "soft-bytes: above the hard limit"),
	   "words: a message naming nothing gets the pointed-at keyword");
	ok(!strcmp(words_of(&m, "NFSEC_SA_A_ENC_ALG: the kernel's crypto API cannot provide this algorithm",
			    "NFSEC_SA_A_ENC_ALG", NULL),
		   "aead: the kernel's crypto API cannot provide this algorithm"),
	   "words: the AEAD's algorithm is \"aead\", as typed");
	ok(!strcmp(words_of(&m, "NFSEC_A_SA: an SA with this protocol, source and SPI exists",
			    NULL, NULL), "an SA with this protocol, source and SPI exists"),
	   "words: the whole SA's nest is not named");
	ok(!strcmp(words_of(&m, "missing NFSEC_SA_A_AUTH_ALG: encryption without integrity",
			    "NFSEC_SA_A_SPI", NULL), "missing auth: encryption without integrity"),
	   "words: missing attribute named by keyword");
	ok(!strcmp(words_of(&m, NULL, NULL, "NFSEC_SA_A_DST"), "missing dst"),
	   "words: missing-type without a message");
	ok(!strcmp(words_of(&m, NULL, "NFSEC_SA_A_SPI", NULL), "spi: Invalid argument"),
	   "words: no message: keyword and the system error");
	ok(!strcmp(words_of(&m, NULL, NULL, NULL), "Invalid argument"),
	   "words: nothing but the system error");
	nfsec_msg_wipe(&m);
	nfsec_sa_args_wipe(&a);
}

static void test_msg_policy(void)
{
	char buf[1024], *argv[64];
	struct attr_tb top = { 0 }, pol = { 0 }, sa = { 0 };
	struct nfsec_pol_args p;
	struct nfsec_msg m;
	int argc;

	argc = mkargv("dir in dst 10.0.0.0/24 proto udp dport 53 action protect "
		      "sa proto ah src 10.0.0.2 spi 0x200", buf, sizeof(buf), argv, 64);
	if (nfsec_parse_policy_add(argc, argv, &p)) {
		ok(0, "msg: policy vector parses");
		return;
	}
	nfsec_msg_init(&m, 0x42, NFSEC_CMD_POLICY_ADD, 0);
	ok(!nfsec_msg_policy(&m, &p), "msg: policy add built");
	mnl_attr_parse(m.nlh, sizeof(struct genlmsghdr), tb_cb, &top);
	if (top.a[NFSEC_A_POLICY])
		mnl_attr_parse_nested(top.a[NFSEC_A_POLICY], tb_cb, &pol);
	ok(pol.a[NFSEC_POL_A_DIR] && mnl_attr_get_u8(pol.a[NFSEC_POL_A_DIR]) == NFSEC_DIR_IN &&
	   pol.a[NFSEC_POL_A_ACTION] &&
	   mnl_attr_get_u8(pol.a[NFSEC_POL_A_ACTION]) == NFSEC_ACTION_PROTECT,
	   "msg: policy dir and action");
	ok(!pol.a[NFSEC_POL_A_SRC] && !pol.a[NFSEC_POL_A_SRC_PLEN] &&
	   pol.a[NFSEC_POL_A_DST] && mnl_attr_get_u32(pol.a[NFSEC_POL_A_DST]) == htonl(0x0a000000) &&
	   mnl_attr_get_u8(pol.a[NFSEC_POL_A_DST_PLEN]) == 24,
	   "msg: policy dst prefix, no src");
	ok(mnl_attr_get_u8(pol.a[NFSEC_POL_A_PROTO]) == 17 &&
	   mnl_attr_get_u16(pol.a[NFSEC_POL_A_DPORT_MIN]) == 53 &&
	   mnl_attr_get_u16(pol.a[NFSEC_POL_A_DPORT_MAX]) == 53 &&
	   !pol.a[NFSEC_POL_A_SPORT_MIN], "msg: policy proto and host-order ports");
	if (pol.a[NFSEC_POL_A_SA])
		mnl_attr_parse_nested(pol.a[NFSEC_POL_A_SA], tb_cb, &sa);
	ok(sa.a[NFSEC_SA_A_PROTO] && mnl_attr_get_u8(sa.a[NFSEC_SA_A_PROTO]) == IPPROTO_AH &&
	   mnl_attr_get_u32(sa.a[NFSEC_SA_A_SRC]) == htonl(0x0a000002) &&
	   mnl_attr_get_u32(sa.a[NFSEC_SA_A_SPI]) == htonl(0x200) && !sa.a[NFSEC_SA_A_DST],
	   "msg: policy SA key nest");
	ok(!pol.a[NFSEC_POL_A_PRIORITY] && !pol.a[NFSEC_POL_A_INDEX],
	   "msg: no priority or index unless given");
}

/* The nest @type of the request @m, parsed into @tb (and @top). */
static const struct nlattr *request_nest(const struct nfsec_msg *m,
					 uint16_t type, struct attr_tb *tb)
{
	struct attr_tb top = { 0 };

	memset(tb, 0, sizeof(*tb));
	mnl_attr_parse(m->nlh, sizeof(struct genlmsghdr), tb_cb, &top);
	if (top.a[type])
		mnl_attr_parse_nested(top.a[type], tb_cb, tb);
	return top.a[type];
}

static bool attr_is_addr6(const struct nlattr *a, const char *text)
{
	struct in6_addr want;

	return a && mnl_attr_get_payload_len(a) == sizeof(want) &&
	       inet_pton(AF_INET6, text, &want) == 1 &&
	       !memcmp(mnl_attr_get_payload(a), &want, sizeof(want));
}

/* Build the request of "policy add" @line into @m; false if it fails. */
static bool policy_msg(struct nfsec_msg *m, const char *line)
{
	char buf[1024], *argv[64];
	struct nfsec_pol_args p;
	int argc = mkargv(line, buf, sizeof(buf), argv, 64);

	if (nfsec_parse_policy_add(argc, argv, &p))
		return false;
	nfsec_msg_init(m, 0x42, NFSEC_CMD_POLICY_ADD, 0);
	return !nfsec_msg_policy(m, &p);
}

/* IPv6 addresses go in the *6 attributes, a policy's family in its own. */
static void test_msg6(void)
{
	char buf[1024], *argv[64];
	struct attr_tb sa = { 0 }, pol = { 0 }, key = { 0 };
	struct nfsec_sa_args a;
	struct nfsec_msg m;
	const char *name;
	int argc;

	argc = mkargv("proto esp src 2001:db8::1 dst 2001:db8::2 spi 0x1000 "
		      "aead aes-gcm " KEY20, buf, sizeof(buf), argv, 64);
	if (nfsec_parse_sa_add(argc, argv, &a)) {
		ok(0, "msg: IPv6 sa add vector parses");
		return;
	}
	nfsec_msg_init(&m, 0x42, NFSEC_CMD_SA_ADD, 0);
	ok(!nfsec_msg_sa_add(&m, &a) && request_nest(&m, NFSEC_A_SA, &sa),
	   "msg: IPv6 sa add built");
	ok(attr_is_addr6(sa.a[NFSEC_SA_A_SRC6], "2001:db8::1") &&
	   attr_is_addr6(sa.a[NFSEC_SA_A_DST6], "2001:db8::2") &&
	   !sa.a[NFSEC_SA_A_SRC] && !sa.a[NFSEC_SA_A_DST],
	   "msg: NFSEC_SA_A_SRC6 and NFSEC_SA_A_DST6, 16 bytes each, instead of SRC and DST");
	ok(sa.a[NFSEC_SA_A_SPI] && mnl_attr_get_u32(sa.a[NFSEC_SA_A_SPI]) == htonl(0x1000),
	   "msg: the SPI as for IPv4");
	name = sa.a[NFSEC_SA_A_DST6] ?
	       nfsec_msg_attr_name(m.attrs, m.nattrs,
				   (uint32_t)((const uint8_t *)sa.a[NFSEC_SA_A_DST6] -
					      (const uint8_t *)m.nlh)) : NULL;
	ok(name && !strcmp(name, "NFSEC_SA_A_DST6"),
	   "msg: the offset of NFSEC_SA_A_DST6 maps back to its name");
	ok(!strcmp(words_of(&m, "NFSEC_SA_A_DST6: not of the family of NFSEC_SA_A_SRC6",
			    "NFSEC_SA_A_DST6", NULL), "dst: not of the family of src"),
	   "words: NFSEC_SA_A_SRC6 and NFSEC_SA_A_DST6 are src and dst");
	nfsec_msg_wipe(&m);
	nfsec_sa_args_wipe(&a);

	nfsec_msg_init(&m, 0x42, NFSEC_CMD_SA_DEL, 0);
	ok(!nfsec_msg_sa_id(&m, IPPROTO_ESP, &a.src, 0x1000) &&
	   request_nest(&m, NFSEC_A_SA, &sa) &&
	   attr_is_addr6(sa.a[NFSEC_SA_A_SRC6], "2001:db8::1") &&
	   !sa.a[NFSEC_SA_A_SRC] && !sa.a[NFSEC_SA_A_DST6] && sa.a[NFSEC_SA_A_SPI],
	   "msg: an IPv6 SA key has NFSEC_SA_A_SRC6");

	ok(policy_msg(&m, "dir out src 2001:db8::/32 dst 2001:db8:1::1 action protect "
		      "sa proto esp src 2001:db8::1 spi 0x1000") &&
	   request_nest(&m, NFSEC_A_POLICY, &pol), "msg: IPv6 policy built");
	ok(pol.a[NFSEC_POL_A_FAMILY] && mnl_attr_get_payload_len(pol.a[NFSEC_POL_A_FAMILY]) == 1 &&
	   mnl_attr_get_u8(pol.a[NFSEC_POL_A_FAMILY]) == AF_INET6,
	   "msg: NFSEC_POL_A_FAMILY u8 10 for IPv6 prefixes");
	ok(attr_is_addr6(pol.a[NFSEC_POL_A_SRC6], "2001:db8::") &&
	   mnl_attr_get_u8(pol.a[NFSEC_POL_A_SRC_PLEN]) == 32 &&
	   attr_is_addr6(pol.a[NFSEC_POL_A_DST6], "2001:db8:1::1") &&
	   mnl_attr_get_u8(pol.a[NFSEC_POL_A_DST_PLEN]) == 128 &&
	   !pol.a[NFSEC_POL_A_SRC] && !pol.a[NFSEC_POL_A_DST],
	   "msg: NFSEC_POL_A_SRC6 and NFSEC_POL_A_DST6 with their lengths");
	if (pol.a[NFSEC_POL_A_SA])
		mnl_attr_parse_nested(pol.a[NFSEC_POL_A_SA], tb_cb, &key);
	ok(attr_is_addr6(key.a[NFSEC_SA_A_SRC6], "2001:db8::1") && !key.a[NFSEC_SA_A_SRC],
	   "msg: the policy's SA key with NFSEC_SA_A_SRC6");

	ok(policy_msg(&m, "dir in family inet6 action discard") &&
	   request_nest(&m, NFSEC_A_POLICY, &pol) && pol.a[NFSEC_POL_A_FAMILY] &&
	   mnl_attr_get_u8(pol.a[NFSEC_POL_A_FAMILY]) == AF_INET6 &&
	   !pol.a[NFSEC_POL_A_SRC6] && !pol.a[NFSEC_POL_A_SRC] &&
	   !pol.a[NFSEC_POL_A_SRC_PLEN] && !pol.a[NFSEC_POL_A_DST6],
	   "msg: \"family inet6\" alone is NFSEC_POL_A_FAMILY alone");
	ok(!strcmp(words_of(&m, "NFSEC_POL_A_FAMILY: must be 2 (AF_INET) or 10 (AF_INET6)",
			    "NFSEC_POL_A_FAMILY", NULL),
		   "family: must be 2 (AF_INET) or 10 (AF_INET6)"),
	   "words: NFSEC_POL_A_FAMILY is family");
	ok(!strcmp(words_of(&m, "NFSEC_POL_A_SRC6: host bits set", NULL, NULL),
		   "src: host bits set"), "words: NFSEC_POL_A_SRC6 is src");

	ok(policy_msg(&m, "dir in src 10.0.0.0/8 action protect sa proto ah "
		      "src 2001:db8::1 spi 300") &&
	   request_nest(&m, NFSEC_A_POLICY, &pol) && !pol.a[NFSEC_POL_A_FAMILY] &&
	   pol.a[NFSEC_POL_A_SRC] && !pol.a[NFSEC_POL_A_SRC6],
	   "msg: an IPv4 policy says no family, as before");
	memset(&key, 0, sizeof(key));
	if (pol.a[NFSEC_POL_A_SA])
		mnl_attr_parse_nested(pol.a[NFSEC_POL_A_SA], tb_cb, &key);
	ok(attr_is_addr6(key.a[NFSEC_SA_A_SRC6], "2001:db8::1"),
	   "msg: an IPv4 policy may name an IPv6 SA");
	ok(policy_msg(&m, "dir in family inet action bypass") &&
	   request_nest(&m, NFSEC_A_POLICY, &pol) && pol.a[NFSEC_POL_A_FAMILY] &&
	   mnl_attr_get_u8(pol.a[NFSEC_POL_A_FAMILY]) == AF_INET,
	   "msg: \"family inet\" given is sent");

	name = nfsec_attr_type_name("NFSEC_A_POLICY", NFSEC_POL_A_FAMILY);
	ok(name && !strcmp(name, "NFSEC_POL_A_FAMILY") &&
	   !strcmp(nfsec_attr_type_name("NFSEC_A_POLICY", NFSEC_POL_A_DST6), "NFSEC_POL_A_DST6") &&
	   !strcmp(nfsec_attr_type_name("NFSEC_A_SA", NFSEC_SA_A_DST6), "NFSEC_SA_A_DST6") &&
	   !strcmp(nfsec_attr_type_name("NFSEC_POL_A_SA", NFSEC_SA_A_SRC6), "NFSEC_SA_A_SRC6"),
	   "msg: missing-attribute names of the new attributes");
}

/* A reply as the kernel would send it, rendered by print.c. */
static const struct nlattr *fake_sa(struct nfsec_msg *m)
{
	static const uint8_t key[20] = { 0xde, 0xad, [19] = 0x13 };
	struct attr_tb top = { 0 };
	struct nlattr *sa, *n;

	nfsec_msg_init(m, 0x42, NFSEC_CMD_SA_GET, 0);
	sa = nfsec_msg_nest_start(m, NFSEC_A_SA, "NFSEC_A_SA");
	NFSEC_PUT(m, u8, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	NFSEC_PUT(m, u32, NFSEC_SA_A_SRC, htonl(0x0a000001));
	NFSEC_PUT(m, u32, NFSEC_SA_A_SPI, htonl(0x1000));
	NFSEC_PUT(m, u32, NFSEC_SA_A_DST, htonl(0x0a000002));
	NFSEC_PUT(m, u8, NFSEC_SA_A_MODE, NFSEC_MODE_TRANSPORT);
	NFSEC_PUT(m, strz, NFSEC_SA_A_ENC_ALG, "aes-gcm");
	nfsec_msg_put(m, NFSEC_SA_A_ENC_KEY, sizeof(key), key, "key");
	NFSEC_PUT(m, u16, NFSEC_SA_A_ENC_KEY_BITS, 128);
	NFSEC_PUT(m, u16, NFSEC_SA_A_ICV_BITS, 128);
	NFSEC_PUT(m, u32, NFSEC_SA_A_REPLAY_WINDOW, 64);
	NFSEC_PUT(m, u32, NFSEC_SA_A_FLAGS, NFSEC_SA_F_ESN);
	NFSEC_PUT(m, u64, NFSEC_SA_A_SEQ, 7);
	n = nfsec_msg_nest_start(m, NFSEC_SA_A_LIFETIME, "lft");
	NFSEC_PUT(m, u64, NFSEC_LFT_A_SOFT_BYTES, 0);
	NFSEC_PUT(m, u64, NFSEC_LFT_A_HARD_SECONDS, 3600);
	nfsec_msg_nest_end(m, n);
	n = nfsec_msg_nest_start(m, NFSEC_SA_A_STATS, "stats");
	NFSEC_PUT(m, u64, NFSEC_STATS_A_PACKETS, 10);
	NFSEC_PUT(m, u64, NFSEC_STATS_A_BYTES, 1400);
	NFSEC_PUT(m, u64, NFSEC_STATS_A_DROP_REPLAY, 1);
	nfsec_msg_nest_end(m, n);
	NFSEC_PUT(m, u8, NFSEC_SA_A_STATE, NFSEC_SA_STATE_VALID);
	NFSEC_PUT(m, u64, NFSEC_SA_A_AGE, 12);
	nfsec_msg_nest_end(m, sa);
	mnl_attr_parse(m->nlh, sizeof(struct genlmsghdr), tb_cb, &top);
	return top.a[NFSEC_A_SA];
}

static const struct nlattr *fake_policy(struct nfsec_msg *m)
{
	struct attr_tb top = { 0 };
	struct nlattr *pol, *n;

	nfsec_msg_init(m, 0x42, NFSEC_CMD_POLICY_GET, 0);
	pol = nfsec_msg_nest_start(m, NFSEC_A_POLICY, "NFSEC_A_POLICY");
	NFSEC_PUT(m, u8, NFSEC_POL_A_DIR, NFSEC_DIR_OUT);
	NFSEC_PUT(m, u32, NFSEC_POL_A_SRC, htonl(0x0a000001));
	NFSEC_PUT(m, u8, NFSEC_POL_A_SRC_PLEN, 32);
	NFSEC_PUT(m, u32, NFSEC_POL_A_DST, htonl(0x0a000002));
	NFSEC_PUT(m, u8, NFSEC_POL_A_DST_PLEN, 32);
	NFSEC_PUT(m, u8, NFSEC_POL_A_PROTO, 6);
	NFSEC_PUT(m, u16, NFSEC_POL_A_SPORT_MIN, 0);
	NFSEC_PUT(m, u16, NFSEC_POL_A_SPORT_MAX, 65535);
	NFSEC_PUT(m, u16, NFSEC_POL_A_DPORT_MIN, 80);
	NFSEC_PUT(m, u16, NFSEC_POL_A_DPORT_MAX, 80);
	NFSEC_PUT(m, u8, NFSEC_POL_A_ACTION, NFSEC_ACTION_PROTECT);
	NFSEC_PUT(m, u32, NFSEC_POL_A_PRIORITY, 0);
	n = nfsec_msg_nest_start(m, NFSEC_POL_A_SA, "sa");
	NFSEC_PUT(m, u8, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	NFSEC_PUT(m, u32, NFSEC_SA_A_SRC, htonl(0x0a000001));
	NFSEC_PUT(m, u32, NFSEC_SA_A_SPI, htonl(0x1000));
	nfsec_msg_nest_end(m, n);
	NFSEC_PUT(m, u32, NFSEC_POL_A_INDEX, 1);
	NFSEC_PUT(m, u64, NFSEC_POL_A_HITS, 5);
	nfsec_msg_nest_end(m, pol);
	mnl_attr_parse(m->nlh, sizeof(struct genlmsghdr), tb_cb, &top);
	return top.a[NFSEC_A_POLICY];
}

static bool render_schema;

static char *render(const struct nlattr *a, bool sa, bool json, bool stats,
		    bool with_keys, bool oneline)
{
	struct nfsec_json j;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct nfsec_print p = { .f = f, .json = json ? &j : NULL,
				 .stats = stats, .with_keys = with_keys,
				 .oneline = oneline, .schema = render_schema };

	if (!f)
		return NULL;
	nfsec_json_init(&j, f);
	if (sa)
		nfsec_print_sa(a, &p);
	else
		nfsec_print_policy(a, &p);
	fclose(f);
	return out;
}

static void test_print_any(void);
static void test_save(const struct nlattr *sa, const struct nlattr *pol);
static void ok_round_trip(const struct nlattr *a, bool sa, const char *what);

static void test_print(void)
{
	struct nfsec_msg m, pm;
	const struct nlattr *sa = fake_sa(&m), *pol = fake_policy(&pm);
	char *s;

	if (!sa || !pol) {
		ok(0, "print: fake replies built");
		return;
	}
	s = render(sa, true, false, true, false, false);
	ok(s && !strcmp(s,
		"sa proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x00001000 mode transport\n"
		"    aead aes-gcm key-bits 128 icv 128 replay-window 64 flags esn\n"
		"    lifetime hard-seconds 3600\n"
		"    state valid seq 7 age 12\n"
		"    stats packets 10 bytes 1400 drop-replay 1\n"),
	   "print: SA text with -s, no key");
	if (s && !ok_quiet_eq)
		fprintf(tap, "# got: %s", s);
	free(s);
	s = render(sa, true, false, false, true, false);
	ok(s && strstr(s, "key-bits 128 key 0xdead000000000000000000000000000000000013 icv") &&
	   !strstr(s, "stats"), "print: SA text with-keys shows the key, no stats without -s");
	free(s);
	s = render(sa, true, false, false, false, true);
	ok(s && !strcmp(s, "sa proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x00001000 mode transport\n"),
	   "print: SA one line for events");
	free(s);
	s = render(sa, true, true, true, false, false);
	ok(s && !strcmp(s, "{\"proto\":\"esp\",\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\","
		"\"spi\":4096,\"mode\":\"transport\",\"aead\":\"aes-gcm\",\"enc_key_bits\":128,"
		"\"icv_bits\":128,\"replay_window\":64,\"flags\":[\"esn\"],"
		"\"lifetime\":{\"hard_seconds\":3600},\"state\":\"valid\",\"seq\":7,\"age\":12,"
		"\"stats\":{\"packets\":10,\"bytes\":1400,\"drop_replay\":1}}\n"),
	   "print: SA JSON with -s, no key");
	if (s && !ok_quiet_eq)
		fprintf(tap, "# got: %s", s);
	free(s);
	s = render(sa, true, true, false, true, false);
	ok(s && strstr(s, "\"enc_key\":\"0xdead000000000000000000000000000000000013\""),
	   "print: SA JSON with-keys has enc_key");
	free(s);
	s = render(pol, false, false, true, false, false);
	ok(s && !strcmp(s, "policy dir out src 10.0.0.1/32 dst 10.0.0.2/32 proto tcp dport 80 "
			"action protect sa esp 10.0.0.1 0x1000 priority 0 index 1 hits 5\n"),
	   "print: policy text, any-port range omitted, hits with -s");
	if (s && !ok_quiet_eq)
		fprintf(tap, "# got: %s", s);
	free(s);
	s = render(pol, false, true, false, false, false);
	ok(s && !strcmp(s, "{\"dir\":\"out\",\"family\":\"inet\",\"src\":\"10.0.0.1/32\",\"dst\":\"10.0.0.2/32\","
			"\"proto\":\"tcp\",\"dport_min\":80,\"dport_max\":80,"
			"\"action\":\"protect\",\"sa\":{\"proto\":\"esp\",\"src\":\"10.0.0.1\","
			"\"spi\":4096},\"priority\":0,\"index\":1}\n"),
	   "print: policy JSON without hits");
	if (s && !ok_quiet_eq)
		fprintf(tap, "# got: %s", s);
	free(s);
	render_schema = true;
	s = render(sa, true, true, false, false, true);
	ok(s && !strncmp(s, "{\"schema\":1,\"proto\":\"esp\",", 25),
	   "print: a top-level SA object starts with the schema");
	free(s);
	s = render(pol, false, false, false, false, false);
	ok(s && !strstr(s, "schema"), "print: no schema in text");
	free(s);
	render_schema = false;
	test_print_any();
	test_save(sa, pol);
}

static char *save_of(const struct nlattr *a, bool sa, bool with_keys)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	if (sa)
		nfsec_save_sa(a, f, with_keys);
	else
		nfsec_save_policy(a, f);
	fclose(f);
	return out;
}

/* The saved line parses back (the words after "sa add"/"policy add"). */
static int parses_back(const char *line, bool sa)
{
	char buf[1024], *argv[64];
	struct nfsec_pol_args p;
	struct nfsec_sa_args a;
	int argc = mkargv(line, buf, sizeof(buf), argv, 64);

	if (argc < 2)
		return 0;
	if (sa) {
		if (nfsec_parse_sa_add(argc - 2, argv + 2, &a))
			return 0;
		nfsec_sa_args_wipe(&a);
		return 1;
	}
	return !nfsec_parse_policy_add(argc - 2, argv + 2, &p);
}

/* @got is @want; else what it is goes to the log. */
static void ok_eq(const char *got, const char *want, const char *what)
{
	ok(got && !strcmp(got, want), "%s", what);
	if (got && !ok_quiet_eq)
		fprintf(tap, "# got: %s", got);
}

/* "nfsec save" of the replies test_print() renders. */
static void test_save(const struct nlattr *sa, const struct nlattr *pol)
{
	char *s;

	s = save_of(sa, true, true);
	ok_eq(s, "sa add proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x00001000 "
	      "mode transport aead aes-gcm 0xdead000000000000000000000000000000000013 "
	      "icv 128 replay-window 64 esn seq 7 hard-seconds 3600\n",
	      "save: SA with keys, every attribute that can be set");
	ok(s && parses_back(s, true), "save: the SA line is a valid \"sa add\"");
	free(s);
	s = save_of(sa, true, false);
	ok(s && strstr(s, " aead aes-gcm omitted icv 128 ") && !strstr(s, "dead"),
	   "save: without keys the key is \"omitted\"");
	ok(s && !parses_back(s, true) && err_has("left out by \"nfsec save\""),
	   "save: an omitted key is refused, not restored wrong");
	free(s);
	s = save_of(pol, false, false);
	ok_eq(s, "policy add dir out src 10.0.0.1/32 dst 10.0.0.2/32 proto tcp "
	      "dport 80 action protect sa proto esp src 10.0.0.1 spi 0x00001000 "
	      "priority 0\n", "save: policy, any-port range and index left out");
	ok(s && parses_back(s, false), "save: the policy line is a valid \"policy add\"");
	free(s);
	ok_round_trip(sa, true, "IPv4 SA");
	ok_round_trip(pol, false, "IPv4 policy");
}

/* A 16-byte address attribute. */
static void put_addr6(struct nfsec_msg *m, uint16_t type, const char *text)
{
	struct in6_addr in6;

	inet_pton(AF_INET6, text, &in6);
	nfsec_msg_put(m, type, sizeof(in6), &in6, "addr6");
}

/* An IPv6 tunnel SA as the kernel reports it. */
static const struct nlattr *fake_sa6(struct nfsec_msg *m)
{
	static const uint8_t key[36] = { 0xc0, [35] = 0xff };
	struct attr_tb top = { 0 };
	struct nlattr *sa;

	nfsec_msg_init(m, 0x42, NFSEC_CMD_SA_GET, 0);
	sa = nfsec_msg_nest_start(m, NFSEC_A_SA, "NFSEC_A_SA");
	NFSEC_PUT(m, u8, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	put_addr6(m, NFSEC_SA_A_SRC6, "2001:db8::1");
	NFSEC_PUT(m, u32, NFSEC_SA_A_SPI, htonl(0x2000));
	put_addr6(m, NFSEC_SA_A_DST6, "2001:db8:0:0:0:0:0:2");
	NFSEC_PUT(m, u8, NFSEC_SA_A_MODE, NFSEC_MODE_TUNNEL);
	NFSEC_PUT(m, u8, NFSEC_SA_A_DIR, NFSEC_DIR_OUT);
	NFSEC_PUT(m, strz, NFSEC_SA_A_ENC_ALG, "chacha20-poly1305");
	nfsec_msg_put(m, NFSEC_SA_A_ENC_KEY, sizeof(key), key, "key");
	NFSEC_PUT(m, u16, NFSEC_SA_A_ENC_KEY_BITS, 256);
	NFSEC_PUT(m, u16, NFSEC_SA_A_ICV_BITS, 128);
	NFSEC_PUT(m, u32, NFSEC_SA_A_REPLAY_WINDOW, 64);
	nfsec_msg_nest_end(m, sa);
	mnl_attr_parse(m->nlh, sizeof(struct genlmsghdr), tb_cb, &top);
	return top.a[NFSEC_A_SA];
}

/*
 * A policy as the kernel reports it: of @family (0: not reported), with
 * IPv6 prefixes @src and @dst (NULL: IPv4 ones of 0.0.0.0/0), protecting
 * with the SA of source @sa_src if given.
 */
static const struct nlattr *fake_policy6(struct nfsec_msg *m, uint8_t family,
					 const char *src, uint8_t splen,
					 const char *dst, uint8_t dplen,
					 uint8_t proto, const char *sa_src)
{
	struct attr_tb top = { 0 };
	struct nlattr *pol, *n;

	nfsec_msg_init(m, 0x42, NFSEC_CMD_POLICY_GET, 0);
	pol = nfsec_msg_nest_start(m, NFSEC_A_POLICY, "NFSEC_A_POLICY");
	NFSEC_PUT(m, u8, NFSEC_POL_A_DIR, NFSEC_DIR_IN);
	if (family)
		NFSEC_PUT(m, u8, NFSEC_POL_A_FAMILY, family);
	if (src)
		put_addr6(m, NFSEC_POL_A_SRC6, src);
	else
		NFSEC_PUT(m, u32, NFSEC_POL_A_SRC, 0);
	NFSEC_PUT(m, u8, NFSEC_POL_A_SRC_PLEN, splen);
	if (dst)
		put_addr6(m, NFSEC_POL_A_DST6, dst);
	else
		NFSEC_PUT(m, u32, NFSEC_POL_A_DST, 0);
	NFSEC_PUT(m, u8, NFSEC_POL_A_DST_PLEN, dplen);
	NFSEC_PUT(m, u8, NFSEC_POL_A_PROTO, proto);
	NFSEC_PUT(m, u8, NFSEC_POL_A_ACTION, sa_src ? NFSEC_ACTION_PROTECT :
		  NFSEC_ACTION_DISCARD);
	NFSEC_PUT(m, u32, NFSEC_POL_A_PRIORITY, 100);
	if (sa_src) {
		n = nfsec_msg_nest_start(m, NFSEC_POL_A_SA, "sa");
		NFSEC_PUT(m, u8, NFSEC_SA_A_PROTO, IPPROTO_ESP);
		put_addr6(m, NFSEC_SA_A_SRC6, sa_src);
		NFSEC_PUT(m, u32, NFSEC_SA_A_SPI, htonl(0x1000));
		nfsec_msg_nest_end(m, n);
	}
	NFSEC_PUT(m, u32, NFSEC_POL_A_INDEX, 3);
	nfsec_msg_nest_end(m, pol);
	mnl_attr_parse(m->nlh, sizeof(struct genlmsghdr), tb_cb, &top);
	return top.a[NFSEC_A_POLICY];
}

/*
 * "nfsec save" of @a, read back by "sa add" or "policy add" and saved
 * again from the request that makes: what -b restores saves the same.
 */
static char *resave(const struct nlattr *a, bool sa)
{
	char *line = save_of(a, sa, true), *again = NULL;
	char buf[1024], *argv[64];
	struct nfsec_pol_args p;
	struct nfsec_sa_args s;
	struct attr_tb nest;
	struct nfsec_msg m;
	int argc, r;

	if (!line)
		return NULL;
	argc = mkargv(line, buf, sizeof(buf), argv, 64);
	free(line);
	if (argc < 2)
		return NULL;
	nfsec_msg_init(&m, 0x42, sa ? NFSEC_CMD_SA_ADD : NFSEC_CMD_POLICY_ADD, 0);
	if (sa) {
		r = nfsec_parse_sa_add(argc - 2, argv + 2, &s) ||
		    nfsec_msg_sa_add(&m, &s);
		nfsec_sa_args_wipe(&s);
	} else {
		r = nfsec_parse_policy_add(argc - 2, argv + 2, &p) ||
		    nfsec_msg_policy(&m, &p);
	}
	if (!r && (a = request_nest(&m, sa ? NFSEC_A_SA : NFSEC_A_POLICY, &nest)))
		again = save_of(a, sa, true);
	nfsec_msg_wipe(&m);
	return again;
}

/* Saved, restored and saved again: the same line. */
static void ok_round_trip(const struct nlattr *a, bool sa, const char *what)
{
	char *first = save_of(a, sa, true), *again = resave(a, sa);

	ok(first && again && !strcmp(first, again), "save: %s round trip", what);
	if (again && !ok_quiet_eq)
		fprintf(tap, "# saved: %s# again: %s", first ? first : "", again);
	free(first);
	free(again);
}

static void test_print6(void)
{
	struct nfsec_msg m;
	const struct nlattr *a;
	char *s;

	a = fake_sa6(&m);
	s = render(a, true, false, false, false, false);
	ok_eq(s, "sa proto esp src 2001:db8::1 dst 2001:db8::2 spi 0x00002000 mode tunnel dir out\n"
	      "    aead chacha20-poly1305 key-bits 256 icv 128 replay-window 64\n",
	      "print: IPv6 SA text, addresses compressed");
	free(s);
	s = render(a, true, true, false, false, false);
	ok_eq(s, "{\"proto\":\"esp\",\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::2\","
	      "\"spi\":8192,\"mode\":\"tunnel\",\"dir\":\"out\",\"aead\":\"chacha20-poly1305\","
	      "\"enc_key_bits\":256,\"icv_bits\":128,\"replay_window\":64}\n",
	      "print: IPv6 SA JSON, addresses as strings");
	free(s);
	s = save_of(a, true, true);
	ok_eq(s, "sa add proto esp src 2001:db8::1 dst 2001:db8::2 spi 0x00002000 dir out "
	      "mode tunnel aead chacha20-poly1305 0xc00000000000000000000000000000000000"
	      "0000000000000000000000000000000000ff icv 128 replay-window 64\n",
	      "save: IPv6 SA");
	free(s);
	ok_round_trip(a, true, "IPv6 SA");

	a = fake_policy6(&m, AF_INET6, "2001:db8::", 32, "::", 0, 58, "2001:db8::1");
	s = render(a, false, false, false, false, false);
	ok_eq(s, "policy dir in src 2001:db8::/32 dst ::/0 proto ipv6-icmp action protect "
	      "sa esp 2001:db8::1 0x1000 priority 100 index 3\n",
	      "print: IPv6 policy text, ipv6-icmp named");
	free(s);
	s = render(a, false, true, false, false, false);
	ok_eq(s, "{\"dir\":\"in\",\"family\":\"inet6\",\"src\":\"2001:db8::/32\",\"dst\":\"::/0\","
	      "\"proto\":\"ipv6-icmp\",\"action\":\"protect\",\"sa\":{\"proto\":\"esp\","
	      "\"src\":\"2001:db8::1\",\"spi\":4096},\"priority\":100,\"index\":3}\n",
	      "print: IPv6 policy JSON with its family");
	free(s);
	s = save_of(a, false, false);
	ok_eq(s, "policy add dir in src 2001:db8::/32 proto ipv6-icmp action protect "
	      "sa proto esp src 2001:db8::1 spi 0x00001000 priority 100\n",
	      "save: IPv6 policy, the family in its prefix");
	free(s);
	ok_round_trip(a, false, "IPv6 policy");

	a = fake_policy6(&m, AF_INET6, "::", 0, "::", 0, 0, NULL);
	s = render(a, false, false, false, false, false);
	ok_eq(s, "policy dir in src ::/0 dst ::/0 action discard priority 100 index 3\n",
	      "print: IPv6 catch-all text, ::/0 says the family");
	free(s);
	s = render(a, false, true, false, false, false);
	ok(s && strstr(s, "\"family\":\"inet6\",\"src\":\"::/0\",\"dst\":\"::/0\","),
	   "print: IPv6 catch-all JSON");
	free(s);
	s = save_of(a, false, false);
	ok_eq(s, "policy add dir in family inet6 action discard priority 100\n",
	      "save: IPv6 catch-all says \"family inet6\"");
	free(s);
	ok_round_trip(a, false, "IPv6 catch-all");

	a = fake_policy6(&m, 0, "::", 0, "2001:db8::", 64, 0, NULL);
	s = render(a, false, true, false, false, false);
	ok(s && strstr(s, "\"family\":\"inet6\",\"src\":\"::/0\",\"dst\":\"2001:db8::/64\","),
	   "print: without NFSEC_POL_A_FAMILY the family is the addresses'");
	free(s);

	a = fake_policy6(&m, AF_INET, NULL, 0, NULL, 0, 0, "2001:db8::1");
	s = render(a, false, false, false, false, false);
	ok_eq(s, "policy dir in src 0.0.0.0/0 dst 0.0.0.0/0 action protect "
	      "sa esp 2001:db8::1 0x1000 priority 100 index 3\n",
	      "print: IPv4 policy through an IPv6 SA");
	free(s);
	s = render(a, false, true, false, false, false);
	ok(s && strstr(s, "{\"dir\":\"in\",\"family\":\"inet\",\"src\":\"0.0.0.0/0\","),
	   "print: IPv4 policy JSON says inet");
	free(s);
	s = save_of(a, false, false);
	ok_eq(s, "policy add dir in action protect sa proto esp src 2001:db8::1 "
	      "spi 0x00001000 priority 100\n", "save: IPv4 policy, no family said");
	free(s);
	ok_round_trip(a, false, "IPv4 policy through an IPv6 SA");

	a = fake_policy6(&m, 7, NULL, 0, NULL, 0, 0, NULL);
	s = save_of(a, false, false);
	ok(s && !*s && err_is("malformed reply from the kernel: a policy of family 7"),
	   "save: a family of neither kind is refused");
	free(s);
}

/* One call of each print helper, rendered as text or JSON. */
static char *print_any_doc(bool json)
{
	struct nfsec_json j;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct nfsec_print p = { .f = f, .json = json ? &j : NULL, .schema = true };

	if (!f)
		return NULL;
	nfsec_json_init(&j, f);
	nfsec_print_open(&p, NULL, '{');
	nfsec_print_schema(&p);
	nfsec_print_str(&p, NFSEC_PRINT_ANY, "mode", "mode %s", "tunnel");
	nfsec_print_u32(&p, NFSEC_PRINT_ANY, "spi", " spi 0x%08x", 0x1000U);
	nfsec_print_u64(&p, NFSEC_PRINT_ANY, "seq", " seq %" PRIu64,
			(uint64_t)1 << 40);
	nfsec_print_str(&p, NFSEC_PRINT_TEXT, "ignored", " %s", "text-only");
	nfsec_print_u32(&p, NFSEC_PRINT_JSON, "json_only", "%u", 7U);
	nfsec_print_open(&p, "flags", '[');
	nfsec_print_str(&p, NFSEC_PRINT_ANY, NULL, " flags %s", "esn");
	nfsec_print_close(&p, ']');
	nfsec_print_null(&p, "none");
	nfsec_print_close(&p, '}');
	fclose(f);
	return out;
}

static void test_print_any(void)
{
	char *s = print_any_doc(false);

	ok(s && !strcmp(s, "mode tunnel spi 0x00001000 seq 1099511627776 text-only flags esn"),
	   "print: one call per value, text");
	free(s);
	s = print_any_doc(true);
	ok(s && !strcmp(s, "{\"schema\":1,\"mode\":\"tunnel\",\"spi\":4096,"
			"\"seq\":1099511627776,\"json_only\":7,\"flags\":[\"esn\"],"
			"\"none\":null}\n"),
	   "print: one call per value, JSON with the schema");
	if (s && !ok_quiet_eq)
		fprintf(tap, "# got: %s\n", s);
	free(s);
}

/*
 * An NFSEC_CMD_GET_STATS reply: every counter (@full), or padding, an
 * unknown attribute, a counter of the wrong size and a missing one.
 */
static const struct nlattr *fake_net_stats(struct nfsec_msg *m, bool full)
{
	static const uint8_t zero[8];
	struct attr_tb top = { 0 };
	struct nlattr *n;

	nfsec_msg_init(m, 0x42, NFSEC_CMD_GET_STATS, 0);
	n = nfsec_msg_nest_start(m, NFSEC_A_STATS, "NFSEC_A_STATS");
	if (full) {
		NFSEC_PUT(m, u64, NFSEC_NSTATS_A_NO_SA, 1);
		NFSEC_PUT(m, u64, NFSEC_NSTATS_A_DISCARD, 2);
		NFSEC_PUT(m, u64, NFSEC_NSTATS_A_PLAINTEXT, 3);
		NFSEC_PUT(m, u64, NFSEC_NSTATS_A_MALFORMED, 4);
		NFSEC_PUT(m, u64, NFSEC_NSTATS_A_NOMEM, 18446744073709551615ULL);
	} else {
		nfsec_msg_put(m, NFSEC_NSTATS_A_PAD, 0, zero, "pad");
		NFSEC_PUT(m, u64, NFSEC_NSTATS_A_NOMEM, 9);
		NFSEC_PUT(m, u32, NFSEC_NSTATS_A_DISCARD, 5);
		nfsec_msg_put(m, NFSEC_NSTATS_A_PAD, 4, zero, "pad");
		NFSEC_PUT(m, u64, NFSEC_NSTATS_A_MAX + 1, 77);
		NFSEC_PUT(m, u64, NFSEC_NSTATS_A_NO_SA, 0);
	}
	nfsec_msg_nest_end(m, n);
	mnl_attr_parse(m->nlh, sizeof(struct genlmsghdr), tb_cb, &top);
	return top.a[NFSEC_A_STATS];
}

static char *render_net_stats(const struct nlattr *a, bool json,
			      const char *key)
{
	struct nfsec_json j;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct nfsec_print p = { .f = f, .json = json ? &j : NULL, .key = key };
	int r;

	if (!f)
		return NULL;
	nfsec_json_init(&j, f);
	if (key)
		nfsec_json_obj_open(&j, NULL);
	r = nfsec_print_net_stats(a, &p);
	if (key)
		nfsec_json_obj_close(&j);
	fclose(f);
	if (r) {
		free(out);
		return NULL;
	}
	return out;
}

static void test_print_net_stats(void)
{
	struct nfsec_msg m, pm;
	const struct nlattr *full = fake_net_stats(&m, true);
	const struct nlattr *part = fake_net_stats(&pm, false);
	char *s;

	if (!full || !part) {
		ok(0, "stats: fake replies built");
		return;
	}
	s = render_net_stats(full, false, NULL);
	ok(s && !strcmp(s, "stats no-sa 1 discard 2 plaintext 3 malformed 4 "
			"nomem 18446744073709551615\n"),
	   "stats: text, every counter in enum order");
	if (s && !ok_quiet_eq)
		fprintf(tap, "# got: %s", s);
	free(s);
	s = render_net_stats(full, true, NULL);
	ok(s && !strcmp(s, "{\"no_sa\":1,\"discard\":2,\"plaintext\":3,"
			"\"malformed\":4,\"nomem\":18446744073709551615}\n"),
	   "stats: JSON object, underscores in names");
	if (s && !ok_quiet_eq)
		fprintf(tap, "# got: %s", s);
	free(s);
	s = render_net_stats(part, false, NULL);
	ok(s && !strcmp(s, "stats no-sa 0 nomem 9\n"),
	   "stats: text skips padding, unknown, wrong-size and missing counters");
	if (s && !ok_quiet_eq)
		fprintf(tap, "# got: %s", s);
	free(s);
	s = render_net_stats(part, true, "stats");
	ok(s && !strcmp(s, "{\"stats\":{\"no_sa\":0,\"nomem\":9}}\n"),
	   "stats: JSON member of \"show\", partial reply");
	if (s && !ok_quiet_eq)
		fprintf(tap, "# got: %s", s);
	free(s);
}

/* The transport against the kernel's own nlctrl family. */
static int family_count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(unsigned int *)data)++;
	return 0;
}

static void getfamily(struct nfsec_msg *m, const char *name)
{
	nfsec_msg_init(m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	nfsec_msg_put_strz(m, CTRL_ATTR_FAMILY_NAME, name, "CTRL_ATTR_FAMILY_NAME");
}

static void test_netlink(void)
{
	struct nfsec_error_state st;
	struct nfsec_nl *nl;
	struct nfsec_msg m;
	unsigned int n = 0, i;
	int r = 0;

	if (nfsec_nl_open_family(&nl, "nlctrl")) {
		for (i = 0; i < 6; i++)
			skip("no generic netlink here", "netlink: test %u", i + 1);
		return;
	}
	ok(1, "netlink: nlctrl family resolved");
	nfsec_nl_close(nl);
	ok(nfsec_nl_open_family(&nl, "nfsec-nosuch") &&
	   err_is("kernel module not loaded (generic netlink family \"nfsec-nosuch\" not found)"),
	   "netlink: missing family reported as module not loaded");
	if (nfsec_nl_open_family(&nl, "nlctrl"))
		return;

	nfsec_nl_set_window(nl, 256);
	for (i = 1; i <= 1000 && !r; i++) {
		nfsec_error_set_line(i);
		getfamily(&m, "nlctrl");
		r = nfsec_nl_queue(nl, &m, "getfamily", family_count_cb, &n);
	}
	r |= nfsec_nl_flush(nl);
	ok(!r && n == 1000, "netlink: 1000 pipelined requests, every reply seen (%u)", n);

	nfsec_error_defer(1);
	for (i = 1; i <= 600 && !r; i++) {
		nfsec_error_set_line(i);
		getfamily(&m, i == 300 || i == 400 ? "nfsec-no-such" : "nlctrl");
		r = nfsec_nl_queue(nl, &m, "getfamily", NULL, NULL);
	}
	if (!r)
		r = nfsec_nl_flush(nl);
	nfsec_error_take(&st);
	nfsec_error_defer(0);
	nfsec_error_set_line(0);
	ok(r && st.set && st.line == 300 && strstr(st.msg, "getfamily: No such file"),
	   "netlink: first failure in a window named by its line (%u: %s)", st.line, st.msg);

	nfsec_msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	NFSEC_PUT(&m, u32, CTRL_ATTR_FAMILY_NAME, 0x41414141);
	r = nfsec_nl_do(nl, &m, "getfamily", NULL, NULL);
	ok(r && err_has("getfamily: CTRL_ATTR_FAMILY_NAME: ") &&
	   nfsec_exit_status() == 2,
	   "netlink: extack offset names the rejected attribute");

	n = 0;
	nfsec_msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	r = nfsec_nl_dump(nl, &m, "family dump", family_count_cb, &n);
	ok(!r && n >= 1, "netlink: dump collected %u families", n);
	nfsec_nl_close(nl);
}

/* Run the tool; capture stdout and stderr; return the exit status. */
static int run_tool(const char *tool, const char *const *args, char *out,
		    size_t outsz, char *err, size_t errsz)
{
	char opath[] = "/tmp/nfsec-test-out.XXXXXX", epath[] = "/tmp/nfsec-test-err.XXXXXX";
	char *argv[32];
	posix_spawn_file_actions_t fa;
	int ofd = mkstemp(opath), efd = mkstemp(epath), status = -1, i;
	ssize_t r;
	pid_t pid;

	argv[0] = (char *)tool;
	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	if (ofd < 0 || efd < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ofd, 1);
	posix_spawn_file_actions_adddup2(&fa, efd, 2);
	if (!posix_spawn(&pid, tool, &fa, NULL, argv, environ))
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	r = pread(ofd, out, outsz - 1, 0);
	out[r > 0 ? r : 0] = '\0';
	r = pread(efd, err, errsz - 1, 0);
	err[r > 0 ? r : 0] = '\0';
	close(ofd);
	close(efd);
	unlink(opath);
	unlink(epath);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Write @text to a new temporary file named in @path. */
static int write_tmp(char *path, const char *text)
{
	int fd = mkstemp(path);
	ssize_t len = (ssize_t)strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, (size_t)len) != len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* genkey into a file others may read: the file becomes 0600. */
static void test_cli_genkey_private(const char *tool)
{
	char path[] = "/tmp/nfsec-test-key.XXXXXX";
	char *const argv[] = { (char *)tool, "genkey", "hmac-sha256", NULL };
	posix_spawn_file_actions_t fa;
	int fd = mkstemp(path), status = -1;
	struct stat st;
	pid_t pid;

	if (fd < 0 || fchmod(fd, 0644)) {
		skip("mkstemp failed", "cli: genkey >FILE makes FILE 0600");
		if (fd >= 0)
			close(fd);
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	if (!posix_spawn(&pid, tool, &fa, NULL, argv, environ))
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	ok(WIFEXITED(status) && !WEXITSTATUS(status) && !fstat(fd, &st) &&
	   (st.st_mode & 0777) == 0600 && st.st_size == 2 + 64 + 1,
	   "cli: genkey >FILE makes a readable FILE 0600");
	close(fd);
	unlink(path);
}

static void test_cli_dry_run(const char *tool)
{
	char out[1024], err[1024], path[] = "/tmp/nfsec-test-dry.XXXXXX";
	static const char good[] =
		"sa add proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1000 dir out "
		"aead aes-gcm-128 0x000102030405060708090a0b0c0d0e0f10111213\n"
		"policy add dir out action protect sa proto esp src 10.0.0.1 spi 0x1000\n"
		"sa flush\n";
	static const char bad[] =
		"sa flush\n"
		"# bad next\n"
		"sa add proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1000 aead aes-gcm omitted\n";
	const char *const dry[] = { "--dry-run", "-b", path, NULL };
	int rc;

	if (write_tmp(path, good)) {
		skip("mkstemp failed", "cli: --dry-run checks a good file");
	} else {
		rc = run_tool(tool, dry, out, sizeof(out), err, sizeof(err));
		ok(rc == 0 && !*err && !*out,
		   "cli: --dry-run checks a good file without the module");
		unlink(path);
	}
	/* mkstemp() filled in the template: a fresh one for the next file. */
	memcpy(path + sizeof(path) - 7, "XXXXXX", 6);
	if (write_tmp(path, bad)) {
		skip("mkstemp failed", "cli: --dry-run names a bad line");
	} else {
		rc = run_tool(tool, dry, out, sizeof(out), err, sizeof(err));
		ok(rc == 1 && !strncmp(err, "nfsec: batch line 3: the key for aes-gcm was left out", 53) &&
		   !strstr(err, "applied"),
		   "cli: --dry-run names a bad line, claims nothing applied");
		unlink(path);
	}
}

static void test_batch_applied(void)
{
	static const uint8_t st[] = {
		NFSEC_LINE_NONE, NFSEC_LINE_DONE, NFSEC_LINE_NONE,
		NFSEC_LINE_DONE, NFSEC_LINE_FAILED, NFSEC_LINE_DONE,
		NFSEC_LINE_NONE, NFSEC_LINE_DONE, NFSEC_LINE_NONE,
	};
	static const uint8_t one[] = { NFSEC_LINE_NONE, NFSEC_LINE_NONE,
				       NFSEC_LINE_DONE, NFSEC_LINE_FAILED };
	static const uint8_t none[] = { NFSEC_LINE_NONE, NFSEC_LINE_FAILED };
	static const uint8_t apart[] = { NFSEC_LINE_NONE, NFSEC_LINE_DONE,
					 NFSEC_LINE_FAILED, NFSEC_LINE_DONE };
	char buf[128];

	nfsec_batch_applied(buf, sizeof(buf), st, ARRAY_SIZE(st));
	ok(!strcmp(buf, " (applied: lines 1-3, 5-7)"),
	   "batch: applied lines as ranges over comments, split by a failure (%s)", buf);
	nfsec_batch_applied(buf, sizeof(buf), one, ARRAY_SIZE(one));
	ok(!strcmp(buf, " (applied: line 2)"), "batch: one line applied (%s)", buf);
	nfsec_batch_applied(buf, sizeof(buf), none, ARRAY_SIZE(none));
	ok(!strcmp(buf, " (applied: nothing)"), "batch: nothing applied (%s)", buf);
	nfsec_batch_applied(buf, sizeof(buf), apart, ARRAY_SIZE(apart));
	ok(!strcmp(buf, " (applied: lines 1, 3)"),
	   "batch: two lines around a failed one (%s)", buf);
}

/* IPv6 on the command line: errors are one line, exit 1; good lines pass. */
static void test_cli6(const char *tool)
{
	char out[1024], err[1024], path[] = "/tmp/nfsec-test-dry6.XXXXXX";
	static const char good[] =
		"sa add proto esp src 2001:db8::1 dst 2001:db8::2 spi 0x1000 dir out "
		"aead aes-gcm-128 " KEY20 "\n"
		"sa add proto ah src 2001:db8::2 dst 2001:db8::1 spi 0x1001 dir in "
		"auth hmac-sha1 " KEY20 "\n"
		"policy add dir out src 2001:db8::1 dst 2001:db8::2 proto tcp dport 22 "
		"action protect sa proto esp src 2001:db8::1 spi 0x1000\n"
		"policy add dir in family inet6 proto ipv6-icmp action bypass priority 1\n"
		"policy add dir in family inet6 action discard priority 100\n"
		"policy add dir out dst 192.0.2.0/24 action protect sa proto esp src 2001:db8::1 spi 0x1000\n"
		"policy del dir in family inet6 priority 100\n"
		"sa get proto esp src 2001:db8::1 spi 0x1000\n"
		"sa del proto ah src 2001:db8::2 spi 0x1001\n";
	const char *const mixed[] = { "sa", "add", "proto", "esp", "src", "2001:db8::1",
				      "dst", "10.0.0.1", "spi", "0x1000", "aead",
				      "aes-gcm", KEY20, NULL };
	const char *const fam[] = { "policy", "add", "dir", "in", "family", "inet6",
				    "src", "10.0.0.0/8", "action", "bypass", NULL };
	const char *const plen[] = { "policy", "add", "dir", "in", "dst",
				     "2001:db8::/129", "action", "bypass", NULL };
	const char *const hostbits[] = { "policy", "del", "dir", "in", "src",
					 "2001:db8::1/64", NULL };
	const char *const zone[] = { "sa", "del", "proto", "esp", "src", "fe80::1%eth0",
				     "spi", "0x1000", NULL };
	const char *const dry[] = { "--dry-run", "-b", path, NULL };
	const char *const help[] = { "policy", "help", NULL };
	int rc;

	rc = run_tool(tool, mixed, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && !strcmp(err, "nfsec: dst 10.0.0.1: not of the family of src 2001:db8::1\n"),
	   "cli: an SA of two families is one line naming dst, exit 1");
	rc = run_tool(tool, fam, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && !strcmp(err, "nfsec: src 10.0.0.0/8: not of family inet6\n"),
	   "cli: a prefix not of the policy's family, exit 1");
	rc = run_tool(tool, plen, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && !strcmp(err, "nfsec: invalid prefix length \"129\": out of range (maximum 128)\n"),
	   "cli: /129 refused, exit 1");
	rc = run_tool(tool, hostbits, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && !strcmp(err, "nfsec: invalid source prefix \"2001:db8::1/64\": host bits set\n"),
	   "cli: IPv6 host bits refused, exit 1");
	rc = run_tool(tool, zone, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && strstr(err, "\"fe80::1%eth0\": an IPv6 zone (%eth0) is not supported"),
	   "cli: an IPv6 zone refused, exit 1");
	rc = run_tool(tool, help, out, sizeof(out), err, sizeof(err));
	ok(rc == 0 && strstr(out, "family") && strstr(out, "ipv6-icmp"),
	   "cli: policy help names family and ipv6-icmp");
	if (write_tmp(path, good)) {
		skip("mkstemp failed", "cli: --dry-run checks an IPv6 file");
		return;
	}
	rc = run_tool(tool, dry, out, sizeof(out), err, sizeof(err));
	ok(rc == 0 && !*err && !*out, "cli: --dry-run checks an IPv6 file (%s)", err);
	unlink(path);
}

static void test_cli(const char *tool)
{
	char out[8192], err[1024], path[] = "/tmp/nfsec-test-batch.XXXXXX";
	static const char batch[] =
		"# keys for the lab\n"
		"\n"
		"genkey aes-gcm-128   # a comment\n"
		"sa add proto esp src 10.0.0.1 dst 10.0.0.2 spi 1 aead aes-gcm 0x00\n"
		"genkey hmac-sha1\n";
	const char *const spi[] = { "sa", "add", "proto", "esp", "src", "10.0.0.1",
				    "dst", "10.0.0.2", "spi", "12x", NULL };
	const char *const kw[] = { "sa", "add", "foo", NULL };
	const char *const help[] = { "sa", "add", "help", NULL };
	const char *const top_help[] = { "help", NULL };
	const char *const gk[] = { "genkey", "chacha20-poly1305", NULL };
	const char *const pol[] = { "policy", "add", "dir", "in", "src", "10.0.0.1/8",
				    "action", "bypass", NULL };
	const char *const bat[] = { "-b", path, NULL };
	const char *const badcmd[] = { "frobnicate", NULL };
	const char *const st_help[] = { "stats", "help", NULL };
	const char *const st_kw[] = { "stats", "foo", NULL };
	int fd, rc;

	rc = run_tool(tool, spi, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && !strcmp(err, "nfsec: invalid SPI \"12x\": not a number\n"),
	   "cli: bad SPI is one line on stderr, exit 1");
	rc = run_tool(tool, kw, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && !strcmp(err, "nfsec: unknown keyword \"foo\" in \"sa add\"\n"),
	   "cli: unknown keyword named");
	rc = run_tool(tool, help, out, sizeof(out), err, sizeof(err));
	ok(rc == 0 && strstr(out, "nfsec sa add proto") && !*err,
	   "cli: sa add help prints the grammar, exit 0");
	rc = run_tool(tool, top_help, out, sizeof(out), err, sizeof(err));
	ok(rc == 0 && strstr(out, "policy") && strstr(out, "monitor"),
	   "cli: help lists the commands");
	rc = run_tool(tool, gk, out, sizeof(out), err, sizeof(err));
	ok(rc == 0 && strlen(out) == 2 + 72 + 1 && !strncmp(out, "0x", 2) &&
	   strspn(out + 2, "0123456789abcdef") == 72,
	   "cli: genkey chacha20-poly1305 prints 36 bytes of hex");
	rc = run_tool(tool, pol, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && strstr(err, "host bits set"), "cli: policy prefix host bits");
	rc = run_tool(tool, badcmd, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && strstr(err, "unknown command \"frobnicate\""),
	   "cli: unknown command");
	rc = run_tool(tool, st_help, out, sizeof(out), err, sizeof(err));
	ok(rc == 0 && strstr(out, "Usage: nfsec stats\n") && !*err,
	   "cli: stats help prints the grammar, exit 0");
	rc = run_tool(tool, st_kw, out, sizeof(out), err, sizeof(err));
	ok(rc == 1 && !strcmp(err, "nfsec: unknown keyword \"foo\" in \"stats\"\n"),
	   "cli: stats takes no arguments");
	rc = run_tool(tool, top_help, out, sizeof(out), err, sizeof(err));
	ok(rc == 0 && strstr(out, "  stats "), "cli: help lists stats");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, batch, sizeof(batch) - 1) != (ssize_t)sizeof(batch) - 1) {
		skip("mkstemp failed", "cli: batch error names its line");
	} else {
		rc = run_tool(tool, bat, out, sizeof(out), err, sizeof(err));
		ok(rc == 1 && !strcmp(err, "nfsec: batch line 4: invalid SPI \"1\": 0..255 are reserved (applied: line 3)\n") &&
		   strlen(out) == 2 + 40 + 1,
		   "cli: batch skips comments, stops at line 4 and names it");
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	test_cli_dry_run(tool);
	test_cli_genkey_private(tool);
	test_cli6(tool);
}

int main(int argc, char *argv[])
{
	tap = open_memstream(&tap_buf, &tap_len);
	if (!tap)
		return 1;
	nfsec_error_set_quiet(1);
	test_numbers();
	test_addresses();
	test_addresses6();
	test_families();
	test_spi();
	test_keys();
	test_ports_protos();
	test_sa_add();
	test_allocspi();
	test_align4();
	test_policy();
	test_sa6();
	test_policy6();
	test_split();
	test_batch_applied();
	test_json();
	test_msg_sa();
	test_msg_policy();
	test_kernel_words();
	test_msg6();
	test_print();
	test_print6();
	test_print_net_stats();
	test_netlink();
	if (argc > 1)
		test_cli(argv[1]);
	fclose(tap);
	printf("TAP version 13\n1..%u\n%s", tap_n, tap_buf);
	printf("# %u passed, %u failed\n", tap_n - tap_failed, tap_failed);
	free(tap_buf);
	return tap_failed ? 1 : 0;
}
