// SPDX-License-Identifier: GPL-2.0
/*
 * pktinject: re-send IPv4 and IPv6 packets from a pcap capture out of an
 * interface, as they were or modified. A helper of the selftests (esp.sh,
 * esp6.sh), not a test.
 *
 *   pktinject -i DEV -r FILE [-n COUNT] [-f IP-PROTO] [-s SKIP]
 *             [--spi SPI] [--ether-dst MAC] [--reverse]
 *             [--flip OFFSET] [--flip-ip OFFSET] [--src ADDR]
 *             [--dmac MAC]
 *   pktinject --udp A.B.C.D:PORT [--ip-options HEX] [-n COUNT]
 *   pktinject --udp [IPV6-ADDR]:PORT [--hbh-options HEX] [-n COUNT]
 *
 * The capture is a classic pcap file (either byte order, microsecond or
 * nanosecond timestamps) of link type Ethernet, LINUX_SLL or LINUX_SLL2,
 * as `tcpdump -w` writes it. Of the IP packets whose protocol is IP-PROTO
 * (all IPv4 and IPv6 packets without -f), ESP or AH packets of SPI with
 * --spi, and with --ether-dst only frames captured with that destination
 * MAC address, the first SKIP are passed over and the next COUNT (all
 * without -n) are sent, in capture order (newest first with --reverse),
 * with an AF_PACKET datagram socket: the kernel writes a new link header
 * (type IPv4 or IPv6, as the packet is) from DEV's address to MAC
 * (--dmac; by default the captured frame's destination, which only an
 * Ethernet capture has).
 *
 * An IPv6 packet's protocol is the next header that follows the IPv6
 * header and the hop-by-hop, routing and destination options headers
 * after it, if any; its payload, and the "IP payload" below, what
 * follows them (so a fragment header is the protocol of a fragment: 44).
 * A jumbogram (payload length 0) is passed over.
 *
 *   --flip OFFSET     invert the byte OFFSET bytes into the IP payload
 *   --flip-ip OFFSET  invert the byte OFFSET bytes into the IPv4 header
 *                     (the header checksum is then made right again),
 *                     or into the IPv6 header and the extension headers
 *                     before the payload
 *   --src ADDR        replace the source address (IPv4: and the header
 *                     checksum); only packets of ADDR's family, IPv4 or
 *                     IPv6, are selected then
 *
 * The second form sends COUNT (1) UDP datagrams of a few bytes from an
 * ordinary socket that carries the IPv4 options HEX (IP_OPTIONS); the
 * third, to an IPv6 address (the brackets may be left out), a hop-by-hop
 * options header with the options HEX (IPV6_HOPOPTS, which needs
 * CAP_NET_RAW): pktinject writes the header's first two bytes and pads
 * the options with a PadN (or Pad1) option to a multiple of 8 bytes.
 *
 * The checksum of a TCP or UDP packet, and of an ICMPv6 one, is always
 * recomputed: a capture of a packet sent by the capturing host itself
 * holds only the partial checksum that checksum offload left for the
 * device to complete, and these checksums cover the addresses (--src).
 * Not that of an IPv4 fragment or of an IPv6 packet with a fragment
 * header, nor of one whose routing header still has segments left to a
 * final destination pktinject cannot name (types other than 0, 2 and 4).
 * An IPv6 UDP checksum is never 0. --flip applies after that (a flipped
 * TCP/UDP/ICMPv6 payload byte stays a bad checksum).
 *
 * Prints "sent N" on success. Exits 1 with one line on stderr on an error,
 * including when fewer than COUNT packets matched.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PCAP_MAGIC_US		0xa1b2c3d4u
#define PCAP_MAGIC_NS		0xa1b23c4du
#define LINKTYPE_ETHERNET	1
#define LINKTYPE_LINUX_SLL	113
#define LINKTYPE_LINUX_SLL2	276
#define MAX_FRAME		262144

static const char usage_text[] =
	"usage: pktinject -i DEV -r FILE [-n COUNT] [-f IP-PROTO] [-s SKIP] "
	"[--spi SPI] [--ether-dst MAC] [--reverse] "
	"[--flip OFFSET] [--flip-ip OFFSET] [--src ADDR] [--dmac MAC]\n"
	"       pktinject --udp A.B.C.D:PORT [--ip-options HEX] [-n COUNT]\n"
	"       pktinject --udp [IPV6-ADDR]:PORT [--hbh-options HEX] [-n COUNT]";

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("pktinject: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

struct opts {
	const char *dev;
	const char *file;
	long count;		/* -1: all */
	long skip;
	int proto;		/* -1: any */
	long flip;		/* -1: none */
	long flip_ip;		/* -1: none */
	int src_family;		/* 0: no --src, AF_INET or AF_INET6 */
	struct in_addr src;
	struct in6_addr src6;
	bool set_dmac;
	uint8_t dmac[ETH_ALEN];
	bool match_spi;
	uint32_t spi;
	bool match_edst;
	uint8_t edst[ETH_ALEN];
	bool reverse;
	const char *udp;	/* ADDR:PORT: the second and third forms */
	uint8_t ipopt[40];
	size_t ipopt_len;
	uint8_t hbh[256];	/* the hop-by-hop options, without header */
	size_t hbh_len;
};

/* A packet selected for sending: its IP packet, type and link destination. */
struct pkt {
	uint8_t *ip;
	size_t len;
	uint16_t ethertype;
	uint8_t dmac[ETH_ALEN];
};

static long parse_num(const char *s, const char *what, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < 0 || v > max)
		die("bad %s \"%s\"", what, s);
	return v;
}

static void parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[ETH_ALEN];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != ETH_ALEN)
		die("bad MAC address \"%s\"", s);
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			die("bad MAC address \"%s\"", s);
		mac[i] = b[i];
	}
}

/* HEX into buf; returns the number of bytes. */
static size_t parse_hex(const char *s, uint8_t *buf, size_t size)
{
	size_t len = strlen(s), i;
	unsigned int b;

	if (!len || len % 2 || len / 2 > size)
		die("bad hex \"%s\" (an even number of digits, at most %zu bytes)",
		    s, size);
	for (i = 0; i < len / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			die("bad hex \"%s\"", s);
		buf[i] = (uint8_t)b;
	}
	return len / 2;
}

static void parse_args(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{ "flip", required_argument, NULL, 'F' },
		{ "flip-ip", required_argument, NULL, 'I' },
		{ "udp", required_argument, NULL, 'U' },
		{ "ip-options", required_argument, NULL, 'O' },
		{ "hbh-options", required_argument, NULL, 'H' },
		{ "src", required_argument, NULL, 'S' },
		{ "dmac", required_argument, NULL, 'M' },
		{ "spi", required_argument, NULL, 'P' },
		{ "ether-dst", required_argument, NULL, 'E' },
		{ "reverse", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*o = (struct opts){ .count = -1, .proto = -1, .flip = -1,
			    .flip_ip = -1 };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:r:n:f:s:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			o->dev = optarg;
			break;
		case 'r':
			o->file = optarg;
			break;
		case 'n':
			o->count = parse_num(optarg, "count", 1L << 30);
			break;
		case 's':
			o->skip = parse_num(optarg, "skip", 1L << 30);
			break;
		case 'f':
			o->proto = parse_num(optarg, "IP protocol", 255);
			break;
		case 'F':
			o->flip = parse_num(optarg, "offset", 65535);
			break;
		case 'I':
			o->flip_ip = parse_num(optarg, "offset", 65535);
			break;
		case 'U':
			o->udp = optarg;
			break;
		case 'O':
			o->ipopt_len = parse_hex(optarg, o->ipopt,
						 sizeof(o->ipopt));
			break;
		case 'H':
			o->hbh_len = parse_hex(optarg, o->hbh, sizeof(o->hbh));
			break;
		case 'S':
			if (inet_pton(AF_INET, optarg, &o->src) == 1)
				o->src_family = AF_INET;
			else if (inet_pton(AF_INET6, optarg, &o->src6) == 1)
				o->src_family = AF_INET6;
			else
				die("bad IPv4 or IPv6 address \"%s\"", optarg);
			break;
		case 'M':
			parse_mac(optarg, o->dmac);
			o->set_dmac = true;
			break;
		case 'P':
			o->spi = (uint32_t)parse_num(optarg, "SPI", 0xffffffffL);
			o->match_spi = true;
			break;
		case 'E':
			parse_mac(optarg, o->edst);
			o->match_edst = true;
			break;
		case 'R':
			o->reverse = true;
			break;
		case 'h':
			puts(usage_text);
			exit(0);
		case ':':
			die("option \"%s\" needs an argument; %s",
			    argv[optind - 1], usage_text);
			break;
		default:
			die("unknown option \"%s\"; %s", argv[optind - 1],
			    usage_text);
		}
	}
	if (optind < argc)
		die("unexpected argument \"%s\"; %s", argv[optind], usage_text);
	if (o->udp)
		return;
	if (o->ipopt_len || o->hbh_len)
		die("--ip-options and --hbh-options go with --udp; %s",
		    usage_text);
	if (!o->dev || !o->file)
		die("-i DEV and -r FILE are required; %s", usage_text);
}

static uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's complement sum of LEN bytes, folded by csum_fold(). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get_be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* TCP or UDP checksum of an unfragmented packet, with the pseudo-header. */
static void fix_l4_csum(uint8_t *ip, size_t ihl, size_t tot_len)
{
	uint8_t proto = ip[9], pseudo[12];
	uint8_t *l4 = ip + ihl;
	size_t l4_len = tot_len - ihl, off;
	uint16_t sum;

	if (get_be16(ip + 6) & 0x3fff)	/* MF or a fragment offset */
		return;
	if (proto == IPPROTO_TCP && l4_len >= 20)
		off = 16;
	else if (proto == IPPROTO_UDP && l4_len >= 8)
		off = 6;
	else
		return;
	if (proto == IPPROTO_UDP && get_be16(l4 + off) == 0)
		return;		/* no checksum: stays so */
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = proto;
	put_be16(pseudo + 10, (uint16_t)l4_len);
	put_be16(l4 + off, 0);
	sum = csum_fold(csum_add(csum_add(0, pseudo, sizeof(pseudo)), l4,
				 l4_len));
	if (proto == IPPROTO_UDP && sum == 0)
		sum = 0xffff;
	put_be16(l4 + off, sum);
}

static bool is_ip(uint16_t ethertype)
{
	return ethertype == ETH_P_IP || ethertype == ETH_P_IPV6;
}

/*
 * The IPv6 header and the extension headers after it up to the payload:
 * hop-by-hop options, routing, destination options. Returns their length
 * and the next header after them in PROTO, with the offset of the routing
 * header in RH (0: none), or -1 when they do not fit in LEN bytes.
 */
static long ipv6_hdrs(const uint8_t *ip, size_t len, uint8_t *proto,
		      size_t *rh)
{
	size_t off = 40;
	uint8_t nh = ip[6];

	*rh = 0;
	while (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS) {
		if (len < off + 8 || len < off + ((size_t)ip[off + 1] + 1) * 8)
			return -1;
		if (nh == IPPROTO_ROUTING)
			*rh = off;
		nh = ip[off];
		off += ((size_t)ip[off + 1] + 1) * 8;
	}
	*proto = nh;
	return (long)off;
}

/*
 * The destination an IPv6 upper-layer checksum covers: the last address
 * of a routing header with segments left (types 0 and 2 list it last, a
 * segment routing header, type 4, first), else the destination address.
 * NULL when another type of routing header has segments left.
 */
static const uint8_t *ipv6_final_dst(const uint8_t *ip, size_t rh)
{
	const uint8_t *r = ip + rh;
	size_t n;

	if (!rh || r[3] == 0)	/* no routing header, or no segment left */
		return ip + 24;
	n = r[1] / 2;		/* 16-byte addresses after 8 bytes */
	if (!n)
		return NULL;
	switch (r[2]) {
	case 0:
	case 2:
		return r + 8 + 16 * (n - 1);
	case 4:
		return r + 8;
	}
	return NULL;
}

/*
 * TCP, UDP or ICMPv6 checksum of an IPv6 packet whose payload starts at
 * HLEN with next header PROTO, with the pseudo-header (RFC 8200 8.1).
 */
static void fix_l4_csum6(uint8_t *ip, size_t hlen, size_t tot_len,
			 uint8_t proto, size_t rh)
{
	const uint8_t *dst = ipv6_final_dst(ip, rh);
	size_t l4_len = tot_len - hlen, off;
	uint8_t *l4 = ip + hlen, pseudo[40];
	uint16_t sum;

	if (proto == IPPROTO_TCP && l4_len >= 20)
		off = 16;
	else if (proto == IPPROTO_UDP && l4_len >= 8)
		off = 6;
	else if (proto == IPPROTO_ICMPV6 && l4_len >= 4)
		off = 2;
	else
		return;
	if (!dst)
		return;
	memcpy(pseudo, ip + 8, 16);
	memcpy(pseudo + 16, dst, 16);
	pseudo[32] = (uint8_t)(l4_len >> 24);
	pseudo[33] = (uint8_t)(l4_len >> 16);
	put_be16(pseudo + 34, (uint16_t)l4_len);
	memset(pseudo + 36, 0, 3);
	pseudo[39] = proto;
	put_be16(l4 + off, 0);
	sum = csum_fold(csum_add(csum_add(0, pseudo, sizeof(pseudo)), l4,
				 l4_len));
	if (proto == IPPROTO_UDP && sum == 0)
		sum = 0xffff;
	put_be16(l4 + off, sum);
}

/*
 * Find the IP packet in a captured frame. Returns its offset or -1, its
 * type (ETH_P_IP, ETH_P_IPV6) in ETHERTYPE, and the captured destination
 * MAC address in DMAC when the link type has one.
 */
static long ip_offset(uint32_t linktype, const uint8_t *f, size_t len,
		      uint8_t *dmac, bool *has_dmac, uint16_t *ethertype)
{
	*has_dmac = false;
	switch (linktype) {
	case LINKTYPE_ETHERNET: {
		size_t off = 12;
		uint16_t type;

		if (len < 14)
			return -1;
		memcpy(dmac, f, ETH_ALEN);
		*has_dmac = true;
		type = get_be16(f + off);
		while ((type == ETH_P_8021Q || type == ETH_P_8021AD) &&
		       len >= off + 6) {
			off += 4;
			type = get_be16(f + off);
		}
		*ethertype = type;
		return is_ip(type) ? (long)off + 2 : -1;
	}
	case LINKTYPE_LINUX_SLL:
		if (len < 16)
			return -1;
		*ethertype = get_be16(f + 14);
		return is_ip(*ethertype) ? 16 : -1;
	case LINKTYPE_LINUX_SLL2:
		if (len < 20)
			return -1;
		*ethertype = get_be16(f);
		return is_ip(*ethertype) ? 20 : -1;
	}
	return -1;
}

/*
 * The second and third forms: datagrams with IPv4 options or IPv6
 * hop-by-hop options from an ordinary socket.
 */
static int send_udp(const struct opts *o)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	long count = o->count < 0 ? 1 : o->count, i;
	const char *colon = strrchr(o->udp, ':');
	char addr[INET6_ADDRSTRLEN + 1];
	struct sockaddr *sa;
	socklen_t salen;
	uint16_t port;
	size_t alen;
	int fd;

	if (!colon)
		die("bad --udp \"%s\": expected ADDR:PORT", o->udp);
	alen = (size_t)(colon - o->udp);
	if (alen >= 2 && o->udp[0] == '[' && o->udp[alen - 1] == ']') {
		memcpy(addr, o->udp + 1, alen - 2);
		alen -= 2;
	} else if (alen < sizeof(addr)) {
		memcpy(addr, o->udp, alen);
	}
	if (alen >= sizeof(addr))
		die("bad --udp \"%s\": expected ADDR:PORT", o->udp);
	addr[alen] = 0;
	port = htons((uint16_t)parse_num(colon + 1, "port", 65535));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		if (o->hbh_len)
			die("--hbh-options needs an IPv6 destination");
		sin.sin_port = port;
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	} else if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1) {
		if (o->ipopt_len)
			die("--ip-options needs an IPv4 destination");
		sin6.sin6_port = port;
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	} else {
		die("bad IPv4 or IPv6 address \"%s\"", addr);
	}
	fd = socket(sa->sa_family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (o->ipopt_len && setsockopt(fd, IPPROTO_IP, IP_OPTIONS, o->ipopt,
				       (socklen_t)o->ipopt_len))
		die("IP_OPTIONS: %s", strerror(errno));
	if (o->hbh_len) {
		/* Next header (the kernel's), length in 8 bytes less one. */
		uint8_t h[2 + sizeof(o->hbh) + 7] = { 0 };
		size_t len = 2 + o->hbh_len, pad = (8 - len % 8) % 8;

		memcpy(h + 2, o->hbh, o->hbh_len);
		if (pad == 1) {
			h[len] = 0;			/* Pad1 */
		} else if (pad) {
			h[len] = 1;			/* PadN */
			h[len + 1] = (uint8_t)(pad - 2);
		}
		len += pad;
		h[1] = (uint8_t)(len / 8 - 1);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, h,
			       (socklen_t)len))
			die("IPV6_HOPOPTS: %s", strerror(errno));
	}
	for (i = 0; i < count; i++)
		if (sendto(fd, "options", 7, 0, sa, salen) != 7)
			die("sendto %s: %s", o->udp, strerror(errno));
	close(fd);
	printf("sent %ld\n", count);
	return 0;
}

int main(int argc, char *argv[])
{
	static uint8_t frame[MAX_FRAME];
	uint8_t ghdr[24], rhdr[16], dmac[ETH_ALEN];
	long matched = 0, sent = 0, index = 0, n = 0, i;
	struct pkt *pkts = NULL;
	uint32_t magic, linktype;
	struct sockaddr_ll sll;
	bool swap, has_dmac;
	struct opts o;
	unsigned int ifindex;
	FILE *f;
	int fd;

	parse_args(argc, argv, &o);
	if (o.udp)
		return send_udp(&o);
	ifindex = if_nametoindex(o.dev);
	if (!ifindex)
		die("no interface \"%s\"", o.dev);
	f = fopen(o.file, "rb");
	if (!f)
		die("cannot open \"%s\": %s", o.file, strerror(errno));
	if (fread(ghdr, sizeof(ghdr), 1, f) != 1)
		die("\"%s\" is too short for a pcap file", o.file);
	memcpy(&magic, ghdr, sizeof(magic));
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS)
		swap = false;
	else if (__builtin_bswap32(magic) == PCAP_MAGIC_US ||
		 __builtin_bswap32(magic) == PCAP_MAGIC_NS)
		swap = true;
	else
		die("\"%s\" is not a pcap file (magic 0x%08x)", o.file, magic);
	linktype = get32(ghdr + 20, swap) & 0x0fffffff;
	if (linktype != LINKTYPE_ETHERNET && linktype != LINKTYPE_LINUX_SLL &&
	    linktype != LINKTYPE_LINUX_SLL2)
		die("unsupported link type %u in \"%s\"", linktype, o.file);

	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (fd < 0)
		die("socket(AF_PACKET): %s", strerror(errno));

	if (o.match_edst && linktype != LINKTYPE_ETHERNET)
		die("--ether-dst needs an Ethernet capture");
	while (o.count < 0 || n < o.count) {
		uint32_t caplen, origlen;
		size_t ihl = 0, tot_len = 0, avail, rh = 0;
		uint16_t ethertype = 0;
		uint8_t *ip, proto;
		bool v6;
		long off;

		if (fread(rhdr, sizeof(rhdr), 1, f) != 1)
			break;
		caplen = get32(rhdr + 8, swap);
		origlen = get32(rhdr + 12, swap);
		index++;
		if (caplen > sizeof(frame))
			die("record %ld: length %u is too large", index, caplen);
		if (fread(frame, 1, caplen, f) != caplen)
			break;	/* a capture still being written */
		off = ip_offset(linktype, frame, caplen, dmac, &has_dmac,
				&ethertype);
		if (off < 0)
			continue;
		v6 = ethertype == ETH_P_IPV6;
		avail = caplen - (size_t)off;
		ip = frame + off;
		if (!v6) {
			if (avail < 20 || ip[0] >> 4 != 4)
				continue;
			proto = ip[9];
		} else {
			long hlen;

			if (avail < 40 || ip[0] >> 4 != 6 || !get_be16(ip + 4))
				continue;
			tot_len = 40 + (size_t)get_be16(ip + 4);
			hlen = ipv6_hdrs(ip, avail < tot_len ? avail : tot_len,
					 &proto, &rh);
			if (hlen < 0 && avail >= tot_len)
				die("record %ld: malformed IPv6 extension headers",
				    index);
			if (hlen < 0)
				continue;	/* not captured so far */
			ihl = (size_t)hlen;
		}
		if (o.proto >= 0 && proto != o.proto)
			continue;
		if (o.match_edst && memcmp(dmac, o.edst, ETH_ALEN))
			continue;
		if (o.src_family && o.src_family != (v6 ? AF_INET6 : AF_INET))
			continue;
		if (!v6) {
			ihl = (size_t)(ip[0] & 0x0f) * 4;
			tot_len = get_be16(ip + 2);
			if (ihl < 20 || tot_len < ihl)
				die("record %ld: malformed IPv4 header", index);
		}
		if (o.match_spi) {
			/* ESP starts with the SPI, AH has it at 4. */
			size_t at = ihl + (proto == IPPROTO_AH ? 4 : 0);

			if ((proto != IPPROTO_ESP && proto != IPPROTO_AH) ||
			    avail < at + 4 ||
			    get32(ip + at, false) != htonl(o.spi))
				continue;
		}
		if (matched++ < o.skip)
			continue;
		if (caplen < origlen || tot_len > avail)
			die("record %ld: packet was not captured whole", index);
		if (o.src_family == AF_INET) {
			memcpy(ip + 12, &o.src, 4);
			put_be16(ip + 10, 0);
			put_be16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
		} else if (o.src_family == AF_INET6) {
			memcpy(ip + 8, &o.src6, 16);
		}
		if (!v6)
			fix_l4_csum(ip, ihl, tot_len);
		else
			fix_l4_csum6(ip, ihl, tot_len, proto, rh);
		if (o.flip >= 0) {
			if ((size_t)o.flip >= tot_len - ihl)
				die("record %ld: --flip %ld is beyond the %zu-byte payload",
				    index, o.flip, tot_len - ihl);
			ip[ihl + o.flip] ^= 0xff;
		}
		if (o.flip_ip >= 0) {
			if ((size_t)o.flip_ip >= ihl)
				die("record %ld: --flip-ip %ld is beyond the %zu-byte header",
				    index, o.flip_ip, ihl);
			ip[o.flip_ip] ^= 0xff;
			if (!v6 && (o.flip_ip < 10 || o.flip_ip > 11)) {
				put_be16(ip + 10, 0);
				put_be16(ip + 10,
					 csum_fold(csum_add(0, ip, ihl)));
			}
		}
		if (!o.set_dmac && !has_dmac)
			die("this link type has no destination MAC address: use --dmac");
		pkts = realloc(pkts, (size_t)(n + 1) * sizeof(*pkts));
		if (!pkts)
			die("out of memory");
		pkts[n].ip = malloc(tot_len);
		if (!pkts[n].ip)
			die("out of memory");
		memcpy(pkts[n].ip, ip, tot_len);
		pkts[n].len = tot_len;
		pkts[n].ethertype = ethertype;
		memcpy(pkts[n].dmac, o.set_dmac ? o.dmac : dmac, ETH_ALEN);
		n++;
	}
	if (ferror(f))
		die("reading \"%s\": %s", o.file, strerror(errno));
	fclose(f);

	for (i = 0; i < n; i++) {
		struct pkt *p = &pkts[o.reverse ? n - 1 - i : i];

		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(p->ethertype);
		sll.sll_ifindex = (int)ifindex;
		sll.sll_halen = ETH_ALEN;
		memcpy(sll.sll_addr, p->dmac, ETH_ALEN);
		if (sendto(fd, p->ip, p->len, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) != (ssize_t)p->len)
			die("sendto on %s: %s", o.dev, strerror(errno));
		sent++;
		free(p->ip);
	}
	free(pkts);
	close(fd);
	printf("sent %ld\n", sent);
	if (o.count >= 0 && sent < o.count)
		die("only %ld of %ld packets matched in \"%s\"", sent, o.count,
		    o.file);
	return 0;
}
