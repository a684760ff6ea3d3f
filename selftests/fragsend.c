// SPDX-License-Identifier: GPL-2.0
/*
 * fragsend: send one UDP datagram as IPv4 or IPv6 fragments built here,
 * through the sending namespace's own stack (so its IPsec policies apply),
 * or an ICMP error telling a path MTU. A helper of the selftests
 * (gateway.sh, pmtu6.sh), not a test.
 *
 *   fragsend --src A.B.C.D --dst A.B.C.D:PORT --len N [--frag-size S]
 *            [--id ID] [--only I] [--df] [--mark MARK]
 *   fragsend --src A.B.C.D --dst A.B.C.D --frag-needed MTU
 *            --quote SRC,DST,SPI [--bad-csum] [--mark MARK]
 *   fragsend --src X:Y::Z --dst [X:Y::Z]:PORT --len N [--frag-size S]
 *            [--id ID] [--only I] [--mark MARK]
 *   fragsend --src X:Y::Z --dst X:Y::Z --too-big MTU
 *            --quote SRC,DST,SPI [--bad-csum] [--mark MARK]
 *
 * The family of --src chooses IPv4 or IPv6.
 *
 * The datagram carries N bytes of payload ('x'); each fragment carries at
 * most S bytes of it after the IPv4 header (a multiple of 8; default
 * 1000). The socket is raw with IP_HDRINCL and IP_NODEFRAG, so that
 * netfilter's reassembly at LOCAL_OUT leaves the fragments as they are.
 * --only I sends only fragment I (0: the first). --df sets DF on every
 * fragment. --mark gives the socket SO_MARK MARK (an XFRM policy may
 * select by it). Prints "sent N" (the number of fragments).
 *
 * The second form sends one ICMP "fragmentation needed" naming MTU that
 * quotes the start of an ESP packet from SRC to DST with SPI (1400 bytes
 * long, DF set), as a router on the path would; --bad-csum gives it a
 * wrong ICMP checksum. Prints "sent 1".
 *
 * IPv6 likewise: each fragment carries at most S bytes of the datagram
 * after the IPv6 header and a fragment header whose identification is ID
 * (32 bits). IPv6 has no IP_NODEFRAG: netfilter's reassembly at LOCAL_OUT
 * holds a lone fragment unless the sender's ruleset takes it out of
 * conntrack first ("notrack" at a priority below -400). The socket is
 * bound to --src (IPV6_FREEBIND: it need not be the sender's own), so
 * that the route and the IPsec policies see the packet's source. --too-big
 * sends one ICMPv6 "packet too big" naming MTU that quotes the start of
 * an ESP packet from SRC to DST with SPI, 1440 bytes long (RFC 4443 3.2).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_NODEFRAG
#define IP_NODEFRAG 22
#endif
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

static void die(const char *msg)
{
	fprintf(stderr, "fragsend: %s\n", msg);
	exit(1);
}

static void send_ip(int fd, const void *pkt, size_t len,
		    const struct sockaddr_in *to)
{
	if (sendto(fd, pkt, len, 0, (const struct sockaddr *)to,
		   sizeof(*to)) < 0) {
		perror("fragsend: sendto");
		exit(1);
	}
}

static uint16_t csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static unsigned long number(const char *s, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end) {
		fprintf(stderr, "fragsend: bad %s \"%s\"\n", what, s);
		exit(1);
	}
	return v;
}

/* A "fragmentation needed" quoting an ESP packet: see the top comment. */
static void frag_needed(int fd, struct in_addr src,
			const struct sockaddr_in *to, unsigned long mtu,
			const char *quote, int bad_csum)
{
	uint8_t pkt[20 + 8 + 20 + 8] = { 0 };
	struct iphdr *iph = (struct iphdr *)pkt, *qiph;
	uint8_t *icmp = pkt + sizeof(*iph);
	char qsrc[32], qdst[32];
	unsigned long spi;
	uint32_t qspi;
	uint16_t sum;

	if (sscanf(quote, "%31[^,],%31[^,],%li", qsrc, qdst, &spi) != 3)
		die("bad --quote: expected SRC,DST,SPI");
	if (mtu > 65535)
		die("bad --frag-needed");
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = IPPROTO_ICMP;
	iph->saddr = src.s_addr;
	iph->daddr = to->sin_addr.s_addr;
	iph->tot_len = htons(sizeof(pkt));
	iph->check = htons(csum(iph, sizeof(*iph), 0));
	icmp[0] = 3;			/* destination unreachable */
	icmp[1] = 4;			/* fragmentation needed */
	icmp[6] = mtu >> 8;
	icmp[7] = mtu & 0xff;
	qiph = (struct iphdr *)(icmp + 8);
	qiph->version = 4;
	qiph->ihl = 5;
	qiph->ttl = 64;
	qiph->protocol = IPPROTO_ESP;
	qiph->frag_off = htons(IP_DF);
	qiph->tot_len = htons(1400);
	if (inet_pton(AF_INET, qsrc, &qiph->saddr) != 1 ||
	    inet_pton(AF_INET, qdst, &qiph->daddr) != 1)
		die("bad --quote address");
	qiph->check = htons(csum(qiph, sizeof(*qiph), 0));
	qspi = htonl(spi);
	memcpy(qiph + 1, &qspi, sizeof(qspi));
	icmp[8 + 20 + 7] = 1;		/* the quoted sequence number */
	sum = csum(icmp, sizeof(pkt) - sizeof(*iph), 0);
	/* Any other value is wrong (0 and 0xffff are the same sum). */
	if (bad_csum)
		sum = sum == 0x1234 ? 0x4321 : 0x1234;
	icmp[2] = sum >> 8;
	icmp[3] = sum & 0xff;
	send_ip(fd, pkt, sizeof(pkt), to);
	printf("sent 1\n");
}

/* IPv6 ------------------------------------------------------------------ */

struct frag6 {
	struct ip6_hdr ip6;
	struct ip6_frag fh;
};

static void ip6_header(struct ip6_hdr *ip6, const struct in6_addr *src,
		       const struct in6_addr *dst, size_t plen, uint8_t nexthdr)
{
	memset(ip6, 0, sizeof(*ip6));
	ip6->ip6_flow = htonl(6u << 28);
	ip6->ip6_plen = htons(plen);
	ip6->ip6_nxt = nexthdr;
	ip6->ip6_hlim = 64;
	ip6->ip6_src = *src;
	ip6->ip6_dst = *dst;
}

/* The sum of the pseudo-header (RFC 8200 8.1), to start csum() with. */
static uint32_t pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
			uint32_t len, uint8_t proto)
{
	uint32_t sum = proto + (len >> 16) + (len & 0xffff);
	int i;

	for (i = 0; i < 16; i += 2) {
		sum += (uint32_t)src->s6_addr[i] << 8 | src->s6_addr[i + 1];
		sum += (uint32_t)dst->s6_addr[i] << 8 | dst->s6_addr[i + 1];
	}
	return sum;
}

static void send_ip6(int fd, const void *pkt, size_t len,
		     const struct sockaddr_in6 *to)
{
	if (sendto(fd, pkt, len, 0, (const struct sockaddr *)to,
		   sizeof(*to)) < 0) {
		perror("fragsend: sendto");
		exit(1);
	}
}

/* A raw IPv6 socket that sends whole packets, bound to src. */
static int socket6(const struct in6_addr *src, unsigned long mark)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = *src };
	int fd, one = 1;

	/* IPPROTO_RAW: the header is ours (IPV6_HDRINCL). */
	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		die("socket: needs CAP_NET_RAW");
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)&sa, sizeof(sa)))
		die("cannot bind to --src");
	if (mark) {
		unsigned int m = mark;

		if (setsockopt(fd, SOL_SOCKET, SO_MARK, &m, sizeof(m)))
			die("setsockopt SO_MARK failed");
	}
	return fd;
}

/* A "packet too big" quoting an ESP packet: see the top comment. */
static void too_big6(int fd, const struct in6_addr *src,
		     const struct sockaddr_in6 *to, unsigned long mtu,
		     const char *quote, int bad_csum)
{
	struct {
		struct ip6_hdr ip6;
		uint8_t icmp[8];
		struct ip6_hdr qip6;
		uint32_t spi, seq;
	} pkt;
	char qsrc[64], qdst[64];
	size_t icmplen = sizeof(pkt) - sizeof(pkt.ip6);
	unsigned long spi;
	uint16_t sum;

	_Static_assert(sizeof(pkt) == 40 + 8 + 40 + 8, "no padding");
	if (sscanf(quote, "%63[^,],%63[^,],%li", qsrc, qdst, &spi) != 3)
		die("bad --quote: expected SRC,DST,SPI");
	if (mtu > 0xffffffffUL)
		die("bad --too-big");
	memset(&pkt, 0, sizeof(pkt));
	ip6_header(&pkt.ip6, src, &to->sin6_addr, icmplen, IPPROTO_ICMPV6);
	pkt.icmp[0] = 2;		/* packet too big, code 0 */
	pkt.icmp[4] = mtu >> 24;
	pkt.icmp[5] = mtu >> 16;
	pkt.icmp[6] = mtu >> 8;
	pkt.icmp[7] = mtu;
	ip6_header(&pkt.qip6, &in6addr_any, &in6addr_any, 1400, IPPROTO_ESP);
	if (inet_pton(AF_INET6, qsrc, &pkt.qip6.ip6_src) != 1 ||
	    inet_pton(AF_INET6, qdst, &pkt.qip6.ip6_dst) != 1)
		die("bad --quote address");
	pkt.spi = htonl(spi);
	pkt.seq = htonl(1);
	sum = csum(pkt.icmp, icmplen,
		   pseudo6(src, &to->sin6_addr, icmplen, IPPROTO_ICMPV6));
	/* Any other value is wrong (0 and 0xffff are the same sum). */
	if (bad_csum)
		sum = sum == 0x1234 ? 0x4321 : 0x1234;
	pkt.icmp[2] = sum >> 8;
	pkt.icmp[3] = sum & 0xff;
	send_ip6(fd, &pkt, sizeof(pkt), to);
	printf("sent 1\n");
}

/* The datagram in fragments: see the top comment. */
static void frags6(int fd, const struct in6_addr *src,
		   const struct sockaddr_in6 *to, unsigned int port,
		   unsigned long len, unsigned long fsize, unsigned long id,
		   unsigned long only)
{
	static uint8_t pkt[65536];
	struct frag6 *f = (struct frag6 *)pkt;
	unsigned int sent = 0, i;
	struct udphdr *uh;
	uint8_t *dgram;
	size_t total;

	total = sizeof(*uh) + len;
	dgram = calloc(1, total);
	if (!dgram)
		die("out of memory");
	uh = (struct udphdr *)dgram;
	memset(dgram + sizeof(*uh), 'x', len);
	uh->source = htons(40000);
	uh->dest = htons(port);
	uh->len = htons(total);
	uh->check = htons(csum(dgram, total, pseudo6(src, &to->sin6_addr,
						     total, IPPROTO_UDP)));
	if (!uh->check)
		uh->check = 0xffff;

	for (i = 0; i * fsize < total; i++) {
		size_t off = i * fsize;
		size_t n = total - off < fsize ? total - off : fsize;
		int more = off + n < total;

		if (only != ~0ul && i != only)
			continue;
		ip6_header(&f->ip6, src, &to->sin6_addr, sizeof(f->fh) + n,
			   IPPROTO_FRAGMENT);
		memset(&f->fh, 0, sizeof(f->fh));
		f->fh.ip6f_nxt = IPPROTO_UDP;
		/* The offset in 8-byte units, above the 3 flag bits. */
		f->fh.ip6f_offlg = htons(off | (more ? 1 : 0));
		f->fh.ip6f_ident = htonl(id);
		memcpy(pkt + sizeof(*f), dgram + off, n);
		send_ip6(fd, pkt, sizeof(*f) + n, to);
		sent++;
	}
	printf("sent %u\n", sent);
	free(dgram);
}

/* --dst of IPv6: ADDR, or [ADDR]:PORT. */
static void parse_dst6(char *arg, struct in6_addr *addr, unsigned int *port)
{
	char *end;

	if (*arg != '[') {
		if (inet_pton(AF_INET6, arg, addr) != 1)
			die("bad --dst address");
		return;
	}
	end = strchr(arg, ']');
	if (!end || (end[1] && end[1] != ':'))
		die("bad --dst: expected [ADDR]:PORT");
	*end = 0;
	if (inet_pton(AF_INET6, arg + 1, addr) != 1)
		die("bad --dst address");
	if (end[1])
		*port = number(end + 2, "port");
}

/* The IPv6 forms, once the options are read. */
static int main6(const struct in6_addr *src, struct sockaddr_in6 *to,
		 unsigned int port, unsigned long len, unsigned long fsize,
		 unsigned long id, unsigned long only, int df,
		 unsigned long mark, unsigned long mtu, const char *quote,
		 int bad_csum)
{
	int fd;

	if (IN6_IS_ADDR_UNSPECIFIED(&to->sin6_addr))
		die("--src and --dst are needed, of one family");
	if (df)
		die("--df is IPv4's: IPv6 routers never fragment");
	fd = socket6(src, mark);
	if (mtu != ~0ul) {
		if (!quote)
			die("--too-big needs --quote");
		too_big6(fd, src, to, mtu, quote, bad_csum);
		close(fd);
		return 0;
	}
	if (!port || port > 65535)
		die("--dst needs a port: [ADDR]:PORT");
	if (!len || len > 60000 || fsize < 8 || fsize % 8 || fsize > 60000 ||
	    id > 0xffffffffUL)
		die("--len must be 1..60000, --frag-size a multiple of 8, --id 32 bits");
	frags6(fd, src, to, port, len, fsize, id, only);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long len = 0, fsize = 1000, id = 0x4242, only = ~0ul;
	unsigned long mtu = ~0ul, mark = 0;
	const char *quote = NULL;
	int df = 0, bad_csum = 0;
	const struct option lopts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "len", required_argument, NULL, 'l' },
		{ "frag-size", required_argument, NULL, 'f' },
		{ "id", required_argument, NULL, 'i' },
		{ "only", required_argument, NULL, 'o' },
		{ "df", no_argument, &df, 1 },
		{ "mark", required_argument, NULL, 'm' },
		{ "frag-needed", required_argument, NULL, 'n' },
		{ "too-big", required_argument, NULL, 'n' },
		{ "quote", required_argument, NULL, 'q' },
		{ "bad-csum", no_argument, &bad_csum, 1 },
		{ NULL, 0, NULL, 0 },
	};
	/* The options that take a number, by their getopt value. */
	unsigned long *num[128] = {
		['l'] = &len, ['f'] = &fsize, ['i'] = &id, ['o'] = &only,
		['m'] = &mark, ['n'] = &mtu,
	};
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };
	struct in6_addr src6 = IN6ADDR_ANY_INIT;
	struct in_addr src = { 0 };
	unsigned int port = 0, sent = 0, i;
	uint8_t *dgram, pkt[65536];
	struct udphdr *uh;
	char *colon;
	size_t total;
	int c, li, fd, one = 1, v6 = 0;

	while ((c = getopt_long(argc, argv, "", lopts, &li)) != -1) {
		if (c > 0 && c < 128 && num[c]) {
			*num[c] = number(optarg, lopts[li].name);
			continue;
		}
		switch (c) {
		case 0:		/* --df, --bad-csum */
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &src) == 1)
				break;
			if (inet_pton(AF_INET6, optarg, &src6) != 1)
				die("bad --src");
			v6 = 1;
			break;
		case 'd':
			if (*optarg == '[' || strchr(optarg, ':') != strrchr(optarg, ':')) {
				parse_dst6(optarg, &to6.sin6_addr, &port);
				break;
			}
			colon = strchr(optarg, ':');
			if (colon)
				*colon = 0;
			if (inet_pton(AF_INET, optarg, &to.sin_addr) != 1)
				die("bad --dst address");
			if (colon)
				port = number(colon + 1, "port");
			break;
		case 'q':
			quote = optarg;
			break;
		default:
			die("usage: fragsend --src ADDR --dst ADDR:PORT --len N [--frag-size S] [--id ID] [--only I] [--df] [--mark MARK]\n"
			    "       fragsend --src ADDR --dst ADDR --frag-needed MTU --quote SRC,DST,SPI [--bad-csum] [--mark MARK]\n"
			    "       fragsend --src ADDR6 --dst [ADDR6]:PORT --len N [--frag-size S] [--id ID] [--only I] [--mark MARK]\n"
			    "       fragsend --src ADDR6 --dst ADDR6 --too-big MTU --quote SRC,DST,SPI [--bad-csum] [--mark MARK]");
		}
	}
	if (v6)
		return main6(&src6, &to6, port, len, fsize, id, only, df, mark,
			     mtu, quote, bad_csum);
	if (!src.s_addr || !to.sin_addr.s_addr)
		die("--src and --dst are needed");

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		die("socket: needs CAP_NET_RAW");
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_NODEFRAG, &one, sizeof(one)))
		die("setsockopt IP_HDRINCL/IP_NODEFRAG failed");
	if (mark) {
		unsigned int m = mark;

		if (setsockopt(fd, SOL_SOCKET, SO_MARK, &m, sizeof(m)))
			die("setsockopt SO_MARK failed");
	}
	if (mtu != ~0ul) {
		if (!quote)
			die("--frag-needed needs --quote");
		frag_needed(fd, src, &to, mtu, quote, bad_csum);
		close(fd);
		return 0;
	}
	if (!port || port > 65535)
		die("--dst needs a port");
	if (!len || len > 60000 || fsize < 8 || fsize % 8 || fsize > 60000)
		die("--len must be 1..60000, --frag-size a multiple of 8");

	/* The UDP datagram, its checksum over the pseudo-header. */
	total = sizeof(*uh) + len;
	dgram = calloc(1, total);
	if (!dgram)
		die("out of memory");
	uh = (struct udphdr *)dgram;
	memset(dgram + sizeof(*uh), 'x', len);
	uh->source = htons(40000);
	uh->dest = htons(port);
	uh->len = htons(total);
	{
		uint32_t sum = 0;
		uint32_t s = ntohl(src.s_addr), d = ntohl(to.sin_addr.s_addr);

		sum += s >> 16; sum += s & 0xffff;
		sum += d >> 16; sum += d & 0xffff;
		sum += IPPROTO_UDP + total;
		uh->check = htons(csum(dgram, total, sum));
		if (!uh->check)
			uh->check = 0xffff;
	}

	for (i = 0; i * fsize < total; i++) {
		size_t off = i * fsize;
		size_t n = total - off < fsize ? total - off : fsize;
		struct iphdr *iph = (struct iphdr *)pkt;
		int more = off + n < total;

		if (only != ~0ul && i != only)
			continue;
		memset(iph, 0, sizeof(*iph));
		iph->version = 4;
		iph->ihl = 5;
		iph->ttl = 64;
		iph->protocol = IPPROTO_UDP;
		iph->id = htons(id);
		iph->frag_off = htons((more ? IP_MF : 0) | (df ? IP_DF : 0) |
				      (off / 8));
		iph->saddr = src.s_addr;
		iph->daddr = to.sin_addr.s_addr;
		iph->tot_len = htons(sizeof(*iph) + n);
		iph->check = htons(csum(iph, sizeof(*iph), 0));
		memcpy(pkt + sizeof(*iph), dgram + off, n);
		send_ip(fd, pkt, sizeof(*iph) + n, &to);
		sent++;
	}
	printf("sent %u\n", sent);
	free(dgram);
	close(fd);
	return 0;
}
