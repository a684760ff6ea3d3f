// SPDX-License-Identifier: GPL-2.0
/*
 * fragsend: send one UDP datagram as IPv4 fragments built here, through
 * the sending namespace's own stack (so its IPsec policies apply). A
 * helper of the selftests (gateway.sh), not a test.
 *
 *   fragsend --src A.B.C.D --dst A.B.C.D:PORT --len N [--frag-size S]
 *            [--id ID] [--only I] [--df] [--mark MARK]
 *   fragsend --src A.B.C.D --dst A.B.C.D --frag-needed MTU
 *            --quote SRC,DST,SPI [--bad-csum] [--mark MARK]
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
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
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
	struct in_addr src = { 0 };
	unsigned int port = 0, sent = 0, i;
	uint8_t *dgram, pkt[65536];
	struct udphdr *uh;
	char *colon;
	size_t total;
	int c, li, fd, one = 1;

	while ((c = getopt_long(argc, argv, "", lopts, &li)) != -1) {
		if (c > 0 && c < 128 && num[c]) {
			*num[c] = number(optarg, lopts[li].name);
			continue;
		}
		switch (c) {
		case 0:		/* --df, --bad-csum */
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &src) != 1)
				die("bad --src");
			break;
		case 'd':
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
			    "       fragsend --src ADDR --dst ADDR --frag-needed MTU --quote SRC,DST,SPI [--bad-csum] [--mark MARK]");
		}
	}
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
