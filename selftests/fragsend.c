// SPDX-License-Identifier: GPL-2.0
/*
 * fragsend: send one UDP datagram as IPv4 fragments built here, through
 * the sending namespace's own stack (so its IPsec policies apply). A
 * helper of the selftests (gateway.sh), not a test.
 *
 *   fragsend --src A.B.C.D --dst A.B.C.D:PORT --len N [--frag-size S]
 *            [--id ID] [--only I]
 *
 * The datagram carries N bytes of payload ('x'); each fragment carries at
 * most S bytes of it after the IPv4 header (a multiple of 8; default
 * 1000). The socket is raw with IP_HDRINCL and IP_NODEFRAG, so that
 * netfilter's reassembly at LOCAL_OUT leaves the fragments as they are.
 * --only I sends only fragment I (0: the first). Prints "sent N" (the
 * number of fragments).
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

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "len", required_argument, NULL, 'l' },
		{ "frag-size", required_argument, NULL, 'f' },
		{ "id", required_argument, NULL, 'i' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long len = 0, fsize = 1000, id = 0x4242, only = ~0ul;
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct in_addr src = { 0 };
	unsigned int port = 0, sent = 0, i;
	uint8_t *dgram, pkt[65536];
	struct udphdr *uh;
	char *colon;
	size_t total;
	int c, fd, one = 1;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (inet_pton(AF_INET, optarg, &src) != 1)
				die("bad --src");
			break;
		case 'd':
			colon = strchr(optarg, ':');
			if (!colon)
				die("bad --dst: expected A.B.C.D:PORT");
			*colon = 0;
			if (inet_pton(AF_INET, optarg, &to.sin_addr) != 1)
				die("bad --dst address");
			port = number(colon + 1, "port");
			break;
		case 'l':
			len = number(optarg, "--len");
			break;
		case 'f':
			fsize = number(optarg, "--frag-size");
			break;
		case 'i':
			id = number(optarg, "--id");
			break;
		case 'o':
			only = number(optarg, "--only");
			break;
		default:
			die("usage: fragsend --src ADDR --dst ADDR:PORT --len N [--frag-size S] [--id ID] [--only I]");
		}
	}
	if (!src.s_addr || !to.sin_addr.s_addr || !port || port > 65535)
		die("--src and --dst are needed");
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

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		die("socket: needs CAP_NET_RAW");
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_NODEFRAG, &one, sizeof(one)))
		die("setsockopt IP_HDRINCL/IP_NODEFRAG failed");

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
		iph->frag_off = htons((more ? IP_MF : 0) | (off / 8));
		iph->saddr = src.s_addr;
		iph->daddr = to.sin_addr.s_addr;
		iph->tot_len = htons(sizeof(*iph) + n);
		iph->check = htons(csum(iph, sizeof(*iph), 0));
		memcpy(pkt + sizeof(*iph), dgram + off, n);
		if (sendto(fd, pkt, sizeof(*iph) + n, 0,
			   (struct sockaddr *)&to, sizeof(to)) < 0) {
			perror("fragsend: sendto");
			return 1;
		}
		sent++;
	}
	printf("sent %u\n", sent);
	free(dgram);
	close(fd);
	return 0;
}
