/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nfsec: IPsec AH/ESP for IPv4 and IPv6 from netfilter hooks.
 *
 * The generic netlink API
 * =======================
 *
 * Family NFSEC_GENL_NAME ("nfsec"), version NFSEC_GENL_VERSION, one
 * multicast group NFSEC_MCGRP_EVENTS ("events"). All state is per network
 * namespace: a socket only sees and changes the namespace it was opened in.
 * Every command except NFSEC_CMD_GET_VERSION needs CAP_NET_ADMIN in the user
 * namespace owning the network namespace. Attributes are validated strictly:
 * unknown attributes, wrong types or lengths are rejected, and every
 * rejection carries an extended-ack message naming the attribute.
 * Enumerations below only ever grow at their end.
 *
 * IPv4 addresses are NLA_BE32 (network byte order); IPv6 addresses are 16
 * bytes in network byte order (struct in6_addr), in attributes of their own
 * named *6. Where an attribute and its *6 twin exist, a message carries one
 * or the other, never both. SPIs are NLA_BE32.
 *
 * NFSEC_CMD_GET_VERSION
 * ---------------------
 * Request: no attributes. Reply:
 *
 *    NFSEC_A_VERSION: NLA_NUL_STRING, the module version ("0.1.0")
 *    NFSEC_A_API_VERSION: NLA_U32, NFSEC_GENL_VERSION
 *
 * The security association tree (NFSEC_A_SA)
 * -------------------------------------------
 * An SA is unidirectional and is identified by its key: protocol, source
 * address and SPI. In tunnel mode SRC and DST are the tunnel endpoints (the
 * outer header), as in XFRM.
 *
 *    NFSEC_A_SA: NLA_NESTED
 *        NFSEC_SA_A_PROTO: NLA_U8, IPPROTO_ESP (50) or IPPROTO_AH (51)   [key]
 *        NFSEC_SA_A_SRC: NLA_BE32, IPv4 source address                  [key]
 *        NFSEC_SA_A_SRC6: 16 bytes, IPv6 source address, instead    [key]
 *        NFSEC_SA_A_SPI: NLA_BE32, 256 .. 0xffffffff                    [key]
 *        NFSEC_SA_A_DST: NLA_BE32, destination address              [add: required]
 *        NFSEC_SA_A_DST6: 16 bytes, IPv6 destination address, instead; of
 *            the same family as the source: an SA's family is that of its
 *            addresses (the outer header's in tunnel mode) and never changes
 *        NFSEC_SA_A_MODE: NLA_U8, enum nfsec_mode (default transport)
 *        NFSEC_SA_A_ENC_ALG: NLA_NUL_STRING, cipher or AEAD name (ESP only):
 *            "aes-gcm", "chacha20-poly1305", "aes-gmac" (AEAD, key
 *            includes the 4-byte salt), "aes-cbc", "null" (need AUTH_ALG)
 *        NFSEC_SA_A_ENC_KEY: NLA_BINARY, the cipher key (write only)
 *        NFSEC_SA_A_AUTH_ALG: NLA_NUL_STRING, "hmac-sha256", "hmac-sha384",
 *            "hmac-sha512", "hmac-sha1"
 *        NFSEC_SA_A_AUTH_KEY: NLA_BINARY, the integrity key (write only)
 *        NFSEC_SA_A_ICV_BITS: NLA_U16, ICV length in bits (default: the
 *            algorithm's; AES-GCM accepts 64, 96 and 128)
 *        NFSEC_SA_A_REPLAY_WINDOW: NLA_U32, 0 .. 4096 packets (default 64;
 *            0 disables anti-replay)
 *        NFSEC_SA_A_FLAGS: NLA_U32, NFSEC_SA_F_* (unknown bits rejected)
 *        NFSEC_SA_A_SEQ: NLA_U64, the last sequence number sent, and for
 *            an inbound SA the highest one received (default 0: the first
 *            packet carries 1); for tests of wrap-around and exhaustion
 *        NFSEC_SA_A_LIFETIME: NLA_NESTED, zero or absent means no limit
 *            NFSEC_LFT_A_SOFT_BYTES: NLA_U64
 *            NFSEC_LFT_A_HARD_BYTES: NLA_U64
 *            NFSEC_LFT_A_SOFT_PACKETS: NLA_U64
 *            NFSEC_LFT_A_HARD_PACKETS: NLA_U64
 *            NFSEC_LFT_A_SOFT_SECONDS: NLA_U64
 *            NFSEC_LFT_A_HARD_SECONDS: NLA_U64
 *        NFSEC_SA_A_ENC_KEY_BITS: NLA_U16, key length, reported (read only)
 *        NFSEC_SA_A_AUTH_KEY_BITS: NLA_U16, key length, reported (read only)
 *        NFSEC_SA_A_STATS: NLA_NESTED, reported (read only)
 *            NFSEC_STATS_A_*: NLA_U64 each, see enum nfsec_stats_attr
 *        NFSEC_SA_A_STATE: NLA_U8, enum nfsec_sa_state, reported (read only)
 *        NFSEC_SA_A_AGE: NLA_U64, seconds since the SA was added (read only)
 *        NFSEC_SA_A_PMTU: NLA_U32, the path MTU towards NFSEC_SA_A_DST that
 *            an ICMP "fragmentation needed" quoting one of the SA's packets
 *            gave, for 10 minutes after it came; absent when there is none
 *            (read only)
 *        NFSEC_SA_A_DIR: NLA_U8, enum nfsec_dir: NFSEC_DIR_IN, the SA
 *            verifies what arrives, or NFSEC_DIR_OUT, it protects what
 *            leaves; only inbound SAs are looked up for ESP and AH that
 *            arrive. Absent: in if NFSEC_SA_A_DST is an address of the
 *            namespace when the SA is added, else out.
 *        NFSEC_SA_A_REQID: NLA_U32, the request id of the policies the SA
 *            serves (default 0: none); see "Request ids" below
 *        NFSEC_SA_A_IDLE: NLA_U64, seconds since the SA last protected or
 *            accepted a packet; absent if it never did (read only)
 *
 * A transport-mode SA carries packets of its own family only; a tunnel-mode
 * SA carries IPv4 and IPv6 inner packets alike (4in4, 6in4, 6in6, 4in6).
 * A hard lifetime in seconds deletes the SA when it elapses (with an
 * NFSEC_EV_SA_EXPIRED event); soft limits only announce NFSEC_EV_SA_SOFT.
 *
 * NFSEC_CMD_SA_ADD: NFSEC_A_SA with the key, DST and the algorithms.
 *     -EEXIST if the key is in use. The transform is allocated and keyed
 *     here, so an unavailable algorithm fails the add.
 * NFSEC_CMD_SA_DEL: NFSEC_A_SA with the key. -ENOENT if absent.
 * NFSEC_CMD_SA_GET: do: NFSEC_A_SA with the key; dump: all SAs, one per
 *     message. Keys are only included when NFSEC_A_FLAGS carries
 *     NFSEC_F_WITH_KEYS; otherwise only their lengths are.
 * NFSEC_CMD_SA_FLUSH: optional NFSEC_A_SA with only NFSEC_SA_A_PROTO to
 *     flush one protocol. Replies with NFSEC_A_COUNT, the number deleted.
 * NFSEC_CMD_SA_ALLOC_SPI: reserves an SPI for an inbound SA that a key
 *     exchange will add later. Request: NFSEC_A_SA with PROTO, SRC or SRC6
 *     (the peer), DST or DST6 (this end) and optionally REQID; NFSEC_A_SPI_MIN
 *     and NFSEC_A_SPI_MAX (NLA_U32, host order, 256 .. 0xffffffff, default
 *     the whole range) bound the SPI. Replies with NFSEC_A_SA, the key of
 *     the reserved SA. The reservation is an SA in state
 *     NFSEC_SA_STATE_LARVAL: it has no keys, accepts no packet, and is
 *     deleted without an event after NFSEC_LARVAL_SECONDS unless an
 *     NFSEC_CMD_SA_ADD with its key fills it in first (the add replaces it;
 *     no other add may reuse a key in use). -ENOSPC if every SPI of the
 *     range is taken for that protocol and source.
 *
 * The policy tree (NFSEC_A_POLICY)
 * --------------------------------
 *    NFSEC_A_POLICY: NLA_NESTED
 *        NFSEC_POL_A_DIR: NLA_U8, enum nfsec_dir                        [required]
 *        NFSEC_POL_A_FAMILY: NLA_U8, AF_INET (2) or AF_INET6 (10): the
 *            family of the packets the policy selects. Default: that of
 *            the addresses given, else AF_INET. Always reported.
 *        NFSEC_POL_A_SRC: NLA_BE32, source prefix address (default 0)
 *        NFSEC_POL_A_SRC6: 16 bytes, IPv6 source prefix address, instead
 *        NFSEC_POL_A_SRC_PLEN: NLA_U8, 0 .. 32, or 0 .. 128 for AF_INET6
 *            (default 0: any)
 *        NFSEC_POL_A_DST, NFSEC_POL_A_DST6: as the source's
 *        NFSEC_POL_A_DST_PLEN: NLA_U8, as SRC_PLEN
 *        NFSEC_POL_A_PROTO: NLA_U8, IP protocol (IPv6: the upper-layer
 *            protocol after the extension headers), 0 = any
 *        NFSEC_POL_A_SPORT_MIN, NFSEC_POL_A_SPORT_MAX: NLA_U16 (host order)
 *        NFSEC_POL_A_DPORT_MIN, NFSEC_POL_A_DPORT_MAX: NLA_U16 (host order);
 *            ports need PROTO tcp, udp, sctp or udplite; MAX defaults to MIN
 *        NFSEC_POL_A_ACTION: NLA_U8, enum nfsec_action                  [required]
 *        NFSEC_POL_A_PRIORITY: NLA_U32, lower is consulted first (default 0)
 *        NFSEC_POL_A_SA: NLA_NESTED, for NFSEC_ACTION_PROTECT: the SA key
 *            (NFSEC_SA_A_PROTO, NFSEC_SA_A_SRC or NFSEC_SA_A_SRC6,
 *            NFSEC_SA_A_SPI). The SA is looked up per packet; with no such
 *            SA, or one that cannot carry the policy's family (a
 *            transport-mode SA of the other family), traffic is dropped.
 *        NFSEC_POL_A_REQID: NLA_U32, for NFSEC_ACTION_PROTECT, instead of
 *            NFSEC_POL_A_SA: the SAs of this request id protect the
 *            policy's packets (see "Request ids")
 *        NFSEC_POL_A_INDEX: NLA_U32, assigned by the kernel (read; del)
 *        NFSEC_POL_A_HITS: NLA_U64, packets matched (read only)
 *        NFSEC_POL_A_IDLE: NLA_U64, seconds since the policy last matched
 *            a packet; absent if it never did (read only)
 *
 * Match order, per direction: ascending PRIORITY, then the order in which
 * the policies were added; the first policy whose selectors all match
 * decides. A packet matching no policy is passed (bypass). A policy only
 * matches packets of its family.
 *
 * IPv6 neighbour discovery (ICMPv6 types 133 to 137) and multicast listener
 * discovery (130 to 132, 143) are not matched by a catch-all policy, one
 * for any protocol whose prefixes are both of length 0: a catch-all
 * protect or discard policy would cut a host off its link before any SA
 * could be used (addresses are resolved before the first protected packet
 * is sent). A policy that names addresses or protocol 58 (ipv6-icmp)
 * matches them as any other packet, as XFRM's policies do.
 *
 * NFSEC_CMD_POLICY_ADD: -EEXIST if a policy with the same direction,
 *     selectors and priority exists. Replies with the new NFSEC_POL_A_INDEX.
 * NFSEC_CMD_POLICY_DEL: NFSEC_POL_A_INDEX, or DIR with the exact selectors
 *     and priority. -ENOENT if absent.
 * NFSEC_CMD_POLICY_GET: dump only: every policy, in match order per
 *     direction (in first, then out).
 * NFSEC_CMD_POLICY_FLUSH: optional NFSEC_POL_A_DIR. Replies NFSEC_A_COUNT.
 *
 * Request ids
 * -----------
 * A protect policy names either one SA (NFSEC_POL_A_SA) or a request id
 * (NFSEC_POL_A_REQID), as a key exchange daemon does, so that an SA can be
 * replaced without a gap. Outbound, the packet is protected by the newest
 * outbound SA of that request id that is valid (not hard expired, its
 * sequence numbers not exhausted) and can carry the packet's family: an SA
 * added with the same request id takes over from the one before it at
 * once, and when the newest is deleted the one before it serves again.
 * With no such SA, the packet is dropped (NFSEC_NSTATS_A_NO_SA) and an
 * NFSEC_EV_ACQUIRE event is sent, at most one per policy per second.
 * Inbound, a packet is accepted if any inbound SA of that request id
 * verified it: the old SA goes on accepting what was in flight until it is
 * deleted.
 *
 * NFSEC_CMD_GET_STATS: replies NFSEC_A_STATS, a nest of the namespace's
 *     counters (enum nfsec_net_stats_attr, NLA_U64 each).
 * NFSEC_A_COUNT is an NLA_U32.
 *
 * Dumps are consistent: if the database changes while a dump is spread over
 * several messages, the last one carries NLM_F_DUMP_INTR.
 *
 * Events (group "events")
 * -----------------------
 * NFSEC_CMD_EVENT messages carry NFSEC_A_EVENT (NLA_U32, enum nfsec_event)
 * and NFSEC_A_SA (without keys, with stats), or for policy events
 * NFSEC_A_POLICY. NFSEC_CMD_SA_FLUSH and NFSEC_CMD_POLICY_FLUSH announce one
 * NFSEC_EV_SA_FLUSHED / NFSEC_EV_POLICY_FLUSHED with NFSEC_A_COUNT.
 * NFSEC_EV_ACQUIRE carries NFSEC_A_POLICY (the outbound policy, with its
 * NFSEC_POL_A_REQID) and NFSEC_A_FLOW, the packet that found no SA: a nest
 * of policy attributes, FAMILY, SRC or SRC6 and DST or DST6 (full-length
 * prefixes), PROTO, and SPORT_MIN and DPORT_MIN when it has ports.
 */

#ifndef _UAPI_NFSEC_H
#define _UAPI_NFSEC_H

#define NFSEC_GENL_NAME		"nfsec"
#define NFSEC_GENL_VERSION	1
#define NFSEC_MCGRP_EVENTS	"events"

#define NFSEC_SPI_MIN		256
#define NFSEC_REPLAY_WINDOW_MAX	4096
#define NFSEC_REPLAY_WINDOW_DEFAULT 64
#define NFSEC_ALG_NAME_MAX	32
#define NFSEC_KEY_MAX		128
#define NFSEC_LARVAL_SECONDS	60

enum nfsec_cmd {
	NFSEC_CMD_UNSPEC,
	NFSEC_CMD_GET_VERSION,
	NFSEC_CMD_SA_ADD,
	NFSEC_CMD_SA_DEL,
	NFSEC_CMD_SA_GET,
	NFSEC_CMD_SA_FLUSH,
	NFSEC_CMD_POLICY_ADD,
	NFSEC_CMD_POLICY_DEL,
	NFSEC_CMD_POLICY_GET,
	NFSEC_CMD_POLICY_FLUSH,
	NFSEC_CMD_EVENT,
	NFSEC_CMD_GET_STATS,
	NFSEC_CMD_SA_ALLOC_SPI,
	__NFSEC_CMD_MAX
};

#define NFSEC_CMD_MAX (__NFSEC_CMD_MAX - 1)

enum nfsec_flag {
	NFSEC_F_WITH_KEYS = 1U << 0,
	__NFSEC_F_ALL = NFSEC_F_WITH_KEYS
};

enum nfsec_attr {
	NFSEC_A_UNSPEC,
	NFSEC_A_VERSION,
	NFSEC_A_API_VERSION,
	NFSEC_A_FLAGS,
	NFSEC_A_SA,
	NFSEC_A_POLICY,
	NFSEC_A_EVENT,
	NFSEC_A_COUNT,
	NFSEC_A_STATS,
	NFSEC_A_SPI_MIN,
	NFSEC_A_SPI_MAX,
	NFSEC_A_FLOW,
	__NFSEC_A_MAX
};

#define NFSEC_A_MAX (__NFSEC_A_MAX - 1)

enum nfsec_mode {
	NFSEC_MODE_TRANSPORT,
	NFSEC_MODE_TUNNEL,
	__NFSEC_MODE_MAX
};

#define NFSEC_MODE_MAX (__NFSEC_MODE_MAX - 1)

enum nfsec_sa_flag {
	NFSEC_SA_F_ESN = 1U << 0,
	/*
	 * AH over IPv4: the ICV padded to 32 bits (RFC 4302 2.2) rather
	 * than to 64, as XFRM with XFRM_STATE_ALIGN4 (which strongSwan sets)
	 * sends and requires; for AH SAs of IPv4 only.
	 */
	NFSEC_SA_F_ALIGN4 = 1U << 1,
	__NFSEC_SA_F_ALL = NFSEC_SA_F_ESN | NFSEC_SA_F_ALIGN4
};

enum nfsec_sa_state {
	NFSEC_SA_STATE_VALID,
	NFSEC_SA_STATE_SOFT_EXPIRED,
	NFSEC_SA_STATE_HARD_EXPIRED,
	NFSEC_SA_STATE_SEQ_EXHAUSTED,
	NFSEC_SA_STATE_LARVAL,		/* reserved by NFSEC_CMD_SA_ALLOC_SPI */
	__NFSEC_SA_STATE_MAX
};

enum nfsec_sa_attr {
	NFSEC_SA_A_UNSPEC,
	NFSEC_SA_A_PROTO,
	NFSEC_SA_A_SRC,
	NFSEC_SA_A_SPI,
	NFSEC_SA_A_DST,
	NFSEC_SA_A_MODE,
	NFSEC_SA_A_ENC_ALG,
	NFSEC_SA_A_ENC_KEY,
	NFSEC_SA_A_AUTH_ALG,
	NFSEC_SA_A_AUTH_KEY,
	NFSEC_SA_A_ICV_BITS,
	NFSEC_SA_A_REPLAY_WINDOW,
	NFSEC_SA_A_FLAGS,
	NFSEC_SA_A_SEQ,
	NFSEC_SA_A_LIFETIME,
	NFSEC_SA_A_ENC_KEY_BITS,
	NFSEC_SA_A_AUTH_KEY_BITS,
	NFSEC_SA_A_STATS,
	NFSEC_SA_A_STATE,
	NFSEC_SA_A_AGE,
	NFSEC_SA_A_PMTU,
	NFSEC_SA_A_DIR,
	NFSEC_SA_A_SRC6,
	NFSEC_SA_A_DST6,
	NFSEC_SA_A_REQID,
	NFSEC_SA_A_IDLE,
	__NFSEC_SA_A_MAX
};

#define NFSEC_SA_A_MAX (__NFSEC_SA_A_MAX - 1)

enum nfsec_lifetime_attr {
	NFSEC_LFT_A_UNSPEC,
	NFSEC_LFT_A_SOFT_BYTES,
	NFSEC_LFT_A_HARD_BYTES,
	NFSEC_LFT_A_SOFT_PACKETS,
	NFSEC_LFT_A_HARD_PACKETS,
	NFSEC_LFT_A_SOFT_SECONDS,
	NFSEC_LFT_A_HARD_SECONDS,
	__NFSEC_LFT_A_MAX
};

#define NFSEC_LFT_A_MAX (__NFSEC_LFT_A_MAX - 1)

/* Per-SA counters; the DROP_* ones count packets dropped for that reason. */
enum nfsec_stats_attr {
	NFSEC_STATS_A_UNSPEC,
	NFSEC_STATS_A_PAD,
	NFSEC_STATS_A_PACKETS,
	NFSEC_STATS_A_BYTES,
	NFSEC_STATS_A_DROP_REPLAY,
	NFSEC_STATS_A_DROP_ICV,
	NFSEC_STATS_A_DROP_PADDING,
	NFSEC_STATS_A_DROP_POLICY,
	NFSEC_STATS_A_DROP_SEQ_EXHAUSTED,
	NFSEC_STATS_A_DROP_HARD_EXPIRED,
	NFSEC_STATS_A_DROP_MALFORMED,
	NFSEC_STATS_A_DROP_NOMEM,
	NFSEC_STATS_A_DROP_CRYPTO,
	NFSEC_STATS_A_DROP_NOROUTE,
	NFSEC_STATS_A_PMTU_UPDATES,	/* ICMP errors a path MTU was taken from */
	__NFSEC_STATS_A_MAX
};

#define NFSEC_STATS_A_MAX (__NFSEC_STATS_A_MAX - 1)

/* Per-namespace counters of packets dropped before any SA was found. */
enum nfsec_net_stats_attr {
	NFSEC_NSTATS_A_UNSPEC,
	NFSEC_NSTATS_A_PAD,
	NFSEC_NSTATS_A_NO_SA,		/* protect policy or ESP/AH without SA */
	NFSEC_NSTATS_A_DISCARD,		/* matched a discard policy */
	NFSEC_NSTATS_A_PLAINTEXT,	/* unprotected, a protect policy matched */
	NFSEC_NSTATS_A_MALFORMED,	/* ESP/AH header unreadable */
	NFSEC_NSTATS_A_NOMEM,
	__NFSEC_NSTATS_A_MAX
};

#define NFSEC_NSTATS_A_MAX (__NFSEC_NSTATS_A_MAX - 1)

enum nfsec_dir {
	NFSEC_DIR_IN,
	NFSEC_DIR_OUT,
	__NFSEC_DIR_MAX
};

#define NFSEC_DIR_MAX (__NFSEC_DIR_MAX - 1)

enum nfsec_action {
	NFSEC_ACTION_PROTECT,
	NFSEC_ACTION_BYPASS,
	NFSEC_ACTION_DISCARD,
	__NFSEC_ACTION_MAX
};

#define NFSEC_ACTION_MAX (__NFSEC_ACTION_MAX - 1)

enum nfsec_policy_attr {
	NFSEC_POL_A_UNSPEC,
	NFSEC_POL_A_PAD,
	NFSEC_POL_A_DIR,
	NFSEC_POL_A_SRC,
	NFSEC_POL_A_SRC_PLEN,
	NFSEC_POL_A_DST,
	NFSEC_POL_A_DST_PLEN,
	NFSEC_POL_A_PROTO,
	NFSEC_POL_A_SPORT_MIN,
	NFSEC_POL_A_SPORT_MAX,
	NFSEC_POL_A_DPORT_MIN,
	NFSEC_POL_A_DPORT_MAX,
	NFSEC_POL_A_ACTION,
	NFSEC_POL_A_PRIORITY,
	NFSEC_POL_A_SA,
	NFSEC_POL_A_INDEX,
	NFSEC_POL_A_HITS,
	NFSEC_POL_A_FAMILY,
	NFSEC_POL_A_SRC6,
	NFSEC_POL_A_DST6,
	NFSEC_POL_A_REQID,
	NFSEC_POL_A_IDLE,
	__NFSEC_POL_A_MAX
};

#define NFSEC_POL_A_MAX (__NFSEC_POL_A_MAX - 1)

enum nfsec_event {
	NFSEC_EV_UNSPEC,
	NFSEC_EV_SA_ADDED,
	NFSEC_EV_SA_DELETED,
	NFSEC_EV_SA_SOFT,
	NFSEC_EV_SA_EXPIRED,
	NFSEC_EV_SA_SEQ_EXHAUSTED,
	NFSEC_EV_SA_FLUSHED,
	NFSEC_EV_POLICY_ADDED,
	NFSEC_EV_POLICY_DELETED,
	NFSEC_EV_POLICY_FLUSHED,
	NFSEC_EV_ACQUIRE,
	__NFSEC_EV_MAX
};

#define NFSEC_EV_MAX (__NFSEC_EV_MAX - 1)

#endif /* _UAPI_NFSEC_H */
