// SPDX-License-Identifier: GPL-2.0
/*
 * kernel-nfsec: charon's kernel_ipsec_t over nfsec's generic netlink API
 * (kmod/uapi/nfsec.h).
 *
 * Requests go over one socket, one at a time under the mutex, which also
 * guards the policy table. Events (expiries, acquires) arrive on a second
 * socket joined to nfsec's "events" group and watched by lib->watcher.
 * The family is looked up when the plugin starts and, while nfsec is not
 * loaded, again at every request: charon may start before the module.
 */

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include <daemon.h>
#include <collections/linked_list.h>
#include <processing/watcher.h>
#include <threading/mutex.h>

#include "kernel_nfsec_ipsec.h"
#include "nfsec_nl.h"
#include "../kmod/uapi/nfsec.h"

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif

/* Priorities: one band per class, the more specific first within it. */
#define PRIO_BAND	(1U << 18)

typedef struct private_kernel_nfsec_ipsec_t private_kernel_nfsec_ipsec_t;

/* A policy's selector as nfsec sees it, and its priority. */
typedef struct {
	uint8_t dir;		/* enum nfsec_dir */
	uint8_t family;		/* AF_INET, AF_INET6 */
	uint8_t src[16], dst[16];
	uint8_t splen, dplen;
	uint8_t proto;
	uint16_t sport_min, sport_max, dport_min, dport_max;
	uint32_t priority;
} selector_t;

/* One of charon's installations of a policy. */
typedef struct {
	policy_type_t type;
	uint32_t reqid;
} policy_user_t;

/*
 * A policy in nfsec: charon installs the same (direction, selectors,
 * priority) once per CHILD_SA using it (rekeying, a trap and the SA it
 * brought up), nfsec takes it once. The kernel's policy follows the newest
 * user still there.
 */
typedef struct {
	selector_t sel;
	uint32_t index;		/* NFSEC_POL_A_INDEX */
	policy_user_t kernel;	/* what the kernel's policy does */
	linked_list_t *users;	/* policy_user_t, the newest last */
} policy_entry_t;

/* The bypass policies of an IKE socket's port. */
typedef struct {
	uint8_t family;
	uint16_t port;
	unsigned int refs;	/* sockets of that family and port */
	uint32_t index[4];	/* in/out x sport/dport, 0: not installed */
} bypass_t;

struct private_kernel_nfsec_ipsec_t {
	kernel_nfsec_ipsec_t public;
	mutex_t *mutex;
	struct nfsec_nl *nl;
	uint16_t family;	/* 0 until nfsec's family is found */
	uint32_t group;
	struct mnl_socket *events;
	linked_list_t *policies;	/* policy_entry_t */
	linked_list_t *bypasses;	/* bypass_t */
};

/* The answer to a request, with the kernel's reason for a refusal. */
typedef struct {
	int err;
	char msg[NFSEC_NL_ERRLEN];
} result_t;

static bool family_ready(private_kernel_nfsec_ipsec_t *this);
static void bypass_install(private_kernel_nfsec_ipsec_t *this, bypass_t *b);

static status_t errno2status(int err)
{
	switch (err) {
	case 0:
		return SUCCESS;
	case -ENOENT:
		return NOT_FOUND;
	case -EEXIST:
		return ALREADY_DONE;
	case -EOPNOTSUPP:
		return NOT_SUPPORTED;
	default:
		return FAILED;
	}
}

/* Sends a request built in nlh; logs a refusal with the kernel's message. */
static int talk(private_kernel_nfsec_ipsec_t *this, struct nlmsghdr *nlh,
		mnl_cb_t cb, void *data, const char *what)
{
	result_t r;

	r.err = nfsec_nl_talk(this->nl, nlh, cb, data, r.msg);
	if (r.err)
		DBG1(DBG_KNL, "kernel-nfsec: %s failed: %s (%s)", what, r.msg,
			 strerror(-r.err));
	return r.err;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type4, uint16_t type6,
		     host_t *host)
{
	chunk_t a = host->get_address(host);

	mnl_attr_put(nlh, host->get_family(host) == AF_INET6 ? type6 : type4,
		     a.len, a.ptr);
}

/* The key of an SA: protocol, source address, SPI (network order). */
static void put_sa_key(struct nlmsghdr *nlh, uint8_t proto, host_t *src,
		       uint32_t spi)
{
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, proto);
	put_addr(nlh, NFSEC_SA_A_SRC, NFSEC_SA_A_SRC6, src);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, spi);
}

/* An address attribute of an SA or a flow, by family. */
static host_t *get_host(const struct nlattr *a4, const struct nlattr *a6)
{
	if (a6 && mnl_attr_get_payload_len(a6) == 16)
		return host_create_from_chunk(AF_INET6,
			chunk_create(mnl_attr_get_payload(a6), 16), 0);
	if (a4 && mnl_attr_get_payload_len(a4) == 4)
		return host_create_from_chunk(AF_INET,
			chunk_create(mnl_attr_get_payload(a4), 4), 0);
	return NULL;
}

static uint64_t get_u64(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) == 8 ? mnl_attr_get_u64(a) : 0;
}

/*
 * Charon's algorithms in nfsec's names (kmod/crypto.c). AEAD keys carry
 * their 4-byte salt at the end, as charon derives them.
 */
static bool enc_name(uint16_t alg, const char **name, uint16_t *icv_bits)
{
	*icv_bits = 0;
	switch (alg) {
	case ENCR_AES_CBC:
		*name = "aes-cbc";
		return TRUE;
	case ENCR_NULL:
		*name = "null";
		return TRUE;
	case ENCR_AES_GCM_ICV8:
		*name = "aes-gcm";
		*icv_bits = 64;
		return TRUE;
	case ENCR_AES_GCM_ICV12:
		*name = "aes-gcm";
		*icv_bits = 96;
		return TRUE;
	case ENCR_AES_GCM_ICV16:
		*name = "aes-gcm";
		*icv_bits = 128;
		return TRUE;
	case ENCR_NULL_AUTH_AES_GMAC:
		*name = "aes-gmac";
		return TRUE;
	case ENCR_CHACHA20_POLY1305:
		*name = "chacha20-poly1305";
		return TRUE;
	default:
		return FALSE;
	}
}

/* HMACs with the ICV lengths nfsec implements: RFC 2404 and RFC 4868. */
static bool auth_name(uint16_t alg, const char **name)
{
	switch (alg) {
	case AUTH_HMAC_SHA1_96:
		*name = "hmac-sha1";
		return TRUE;
	case AUTH_HMAC_SHA2_256_128:
		*name = "hmac-sha256";
		return TRUE;
	case AUTH_HMAC_SHA2_384_192:
		*name = "hmac-sha384";
		return TRUE;
	case AUTH_HMAC_SHA2_512_256:
		*name = "hmac-sha512";
		return TRUE;
	default:
		return FALSE;
	}
}

/* What nfsec cannot do for an SA, named; NULL if it can. */
static const char *sa_unsupported(kernel_ipsec_sa_id_t *id,
				  kernel_ipsec_add_sa_t *data)
{
	if (data->encap)
		return "UDP encapsulation (NAT traversal)";
	if (data->ipcomp != IPCOMP_NONE)
		return "IPComp";
	if (id->mark.value || id->mark.mask || data->mark.value ||
	    data->mark.mask)
		return "marks";
	if (id->if_id)
		return "interface ids (if_id)";
	if (data->hw_offload == HW_OFFLOAD_YES)
		return "hardware offload";
	if (data->label)
		return "security labels";
	if (data->tfc)
		return "TFC padding of outbound packets";
	if (data->mode != MODE_TRANSPORT && data->mode != MODE_TUNNEL)
		return "modes other than transport and tunnel";
	/* A tunnel copies DF and the whole TOS out, and CE in: the defaults. */
	if (data->mode == MODE_TUNNEL &&
	    (!data->copy_df || !data->copy_ecn ||
	     data->copy_dscp != DSCP_COPY_OUT_ONLY))
		return "copy_df, copy_ecn or copy_dscp other than their defaults";
	if (id->proto != IPPROTO_ESP && id->proto != IPPROTO_AH)
		return "protocols other than ESP and AH";
	return NULL;
}

METHOD(kernel_ipsec_t, get_features, kernel_feature_t,
	private_kernel_nfsec_ipsec_t *this)
{
	/*
	 * nfsec trims what follows a tunnel's inner packet and drops dummy
	 * packets (RFC 4303 2.6), so peers may pad. Not KERNEL_POLICY_SPI:
	 * policies name request ids, and the newest outbound SA of one takes
	 * over at once, so charon must add an outbound SA only when it is to
	 * be used.
	 */
	return KERNEL_ESP_V3_TFC;
}

struct spi_reply {
	uint32_t spi;
	bool found;
};

static int spi_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFSEC_A_MAX + 1], *sa[NFSEC_SA_A_MAX + 1];
	struct spi_reply *r = data;

	if (nfsec_nl_parse(nlh, tb, NFSEC_A_MAX) || !tb[NFSEC_A_SA] ||
	    nfsec_nl_parse_nested(tb[NFSEC_A_SA], sa, NFSEC_SA_A_MAX) ||
	    !sa[NFSEC_SA_A_SPI] || mnl_attr_get_payload_len(sa[NFSEC_SA_A_SPI]) != 4)
		return MNL_CB_ERROR;
	r->spi = mnl_attr_get_u32(sa[NFSEC_SA_A_SPI]);
	r->found = true;
	return MNL_CB_OK;
}

METHOD(kernel_ipsec_t, get_spi, status_t,
	private_kernel_nfsec_ipsec_t *this, host_t *src, host_t *dst,
	uint8_t protocol, uint32_t *spi)
{
	struct spi_reply r = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t min, max, t;
	int err;

	min = lib->settings->get_int(lib->settings, "%s.spi_min",
				     KERNEL_SPI_MIN, lib->ns);
	max = lib->settings->get_int(lib->settings, "%s.spi_max",
				     KERNEL_SPI_MAX, lib->ns);
	if (min > max) {
		t = min;
		min = max;
		max = t;
	}
	if (min < NFSEC_SPI_MIN)
		min = NFSEC_SPI_MIN;
	if (max < min)
		max = min;

	this->mutex->lock(this->mutex);
	if (!family_ready(this)) {
		this->mutex->unlock(this->mutex);
		return FAILED;
	}
	/* An inbound SA: nfsec keys it by its source, the peer. */
	nlh = nfsec_nl_request(this->nl, this->family, NFSEC_CMD_SA_ALLOC_SPI,
			       false);
	nest = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, protocol);
	put_addr(nlh, NFSEC_SA_A_SRC, NFSEC_SA_A_SRC6, src);
	put_addr(nlh, NFSEC_SA_A_DST, NFSEC_SA_A_DST6, dst);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, NFSEC_A_SPI_MIN, min);
	mnl_attr_put_u32(nlh, NFSEC_A_SPI_MAX, max);
	err = talk(this, nlh, spi_cb, &r, "allocating an SPI");
	this->mutex->unlock(this->mutex);
	if (err || !r.found) {
		DBG1(DBG_KNL, "kernel-nfsec: unable to get an SPI for %H === %H",
			 src, dst);
		return FAILED;
	}
	/* Network order, as charon keeps SPIs. */
	*spi = r.spi;
	DBG2(DBG_KNL, "kernel-nfsec: got SPI %.8x", ntohl(*spi));
	return SUCCESS;
}

METHOD(kernel_ipsec_t, get_cpi, status_t,
	private_kernel_nfsec_ipsec_t *this, host_t *src, host_t *dst,
	uint16_t *cpi)
{
	DBG1(DBG_KNL, "kernel-nfsec: nfsec has no IPComp");
	return NOT_SUPPORTED;
}

static void put_lifetime(struct nlmsghdr *nlh, lifetime_cfg_t *lft)
{
	struct nlattr *nest;

	if (!lft)
		return;
	nest = mnl_attr_nest_start(nlh, NFSEC_SA_A_LIFETIME);
	/* charon's rekey limits are soft ones, its life limits hard ones. */
	mnl_attr_put_u64(nlh, NFSEC_LFT_A_SOFT_BYTES, lft->bytes.rekey);
	mnl_attr_put_u64(nlh, NFSEC_LFT_A_HARD_BYTES, lft->bytes.life);
	mnl_attr_put_u64(nlh, NFSEC_LFT_A_SOFT_PACKETS, lft->packets.rekey);
	mnl_attr_put_u64(nlh, NFSEC_LFT_A_HARD_PACKETS, lft->packets.life);
	mnl_attr_put_u64(nlh, NFSEC_LFT_A_SOFT_SECONDS, lft->time.rekey);
	mnl_attr_put_u64(nlh, NFSEC_LFT_A_HARD_SECONDS, lft->time.life);
	mnl_attr_nest_end(nlh, nest);
}

METHOD(kernel_ipsec_t, add_sa, status_t,
	private_kernel_nfsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_add_sa_t *data)
{
	const char *no, *enc = NULL, *auth = NULL;
	uint32_t window = data->replay_window, flags = 0;
	uint16_t icv_bits = 0;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int err;

	no = sa_unsupported(id, data);
	if (no) {
		DBG1(DBG_KNL, "kernel-nfsec: SA %.8x %H === %H: nfsec does not "
			 "support %s", ntohl(id->spi), id->src, id->dst, no);
		return NOT_SUPPORTED;
	}
	if (id->proto == IPPROTO_ESP &&
	    !enc_name(data->enc_alg, &enc, &icv_bits)) {
		DBG1(DBG_KNL, "kernel-nfsec: encryption algorithm %N not "
			 "supported by nfsec", encryption_algorithm_names,
			 data->enc_alg);
		return NOT_SUPPORTED;
	}
	if (data->int_alg != AUTH_UNDEFINED && !auth_name(data->int_alg, &auth)) {
		DBG1(DBG_KNL, "kernel-nfsec: integrity algorithm %N not "
			 "supported by nfsec", integrity_algorithm_names,
			 data->int_alg);
		return NOT_SUPPORTED;
	}
	if (id->proto == IPPROTO_AH && !auth) {
		DBG1(DBG_KNL, "kernel-nfsec: AH without an integrity algorithm");
		return NOT_SUPPORTED;
	}
	if (data->inbound && window > NFSEC_REPLAY_WINDOW_MAX) {
		DBG1(DBG_KNL, "kernel-nfsec: replay window of %u packets "
			 "lowered to nfsec's largest, %u", window,
			 NFSEC_REPLAY_WINDOW_MAX);
		window = NFSEC_REPLAY_WINDOW_MAX;
	}
	/*
	 * IPv4 AH padded to 32 bits (RFC 4302 2.2), as charon's kernel-netlink
	 * asks of XFRM (XFRM_STATE_ALIGN4), which so told takes nothing else:
	 * a strongSwan peer on XFRM expects it. nfsec accepts either inbound.
	 */
	if (id->proto == IPPROTO_AH && id->dst->get_family(id->dst) == AF_INET)
		flags |= NFSEC_SA_F_ALIGN4;
	if (data->hw_offload == HW_OFFLOAD_AUTO)
		DBG2(DBG_KNL, "kernel-nfsec: no hardware offload, nfsec "
			 "protects in software");

	this->mutex->lock(this->mutex);
	if (!family_ready(this)) {
		this->mutex->unlock(this->mutex);
		return FAILED;
	}
	/* On a key reserved by get_spi(), the add fills the larval SA in. */
	nlh = nfsec_nl_request(this->nl, this->family, NFSEC_CMD_SA_ADD, false);
	nest = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	put_sa_key(nlh, id->proto, id->src, id->spi);
	put_addr(nlh, NFSEC_SA_A_DST, NFSEC_SA_A_DST6, id->dst);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_MODE, data->mode == MODE_TUNNEL ?
			NFSEC_MODE_TUNNEL : NFSEC_MODE_TRANSPORT);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_DIR, data->inbound ?
			NFSEC_DIR_IN : NFSEC_DIR_OUT);
	if (data->reqid)
		mnl_attr_put_u32(nlh, NFSEC_SA_A_REQID, data->reqid);
	if (enc) {
		mnl_attr_put_strz(nlh, NFSEC_SA_A_ENC_ALG, enc);
		if (data->enc_key.len)
			mnl_attr_put(nlh, NFSEC_SA_A_ENC_KEY, data->enc_key.len,
				     data->enc_key.ptr);
		if (icv_bits)
			mnl_attr_put_u16(nlh, NFSEC_SA_A_ICV_BITS, icv_bits);
	}
	if (auth) {
		mnl_attr_put_strz(nlh, NFSEC_SA_A_AUTH_ALG, auth);
		mnl_attr_put(nlh, NFSEC_SA_A_AUTH_KEY, data->int_key.len,
			     data->int_key.ptr);
	}
	if (data->inbound)
		mnl_attr_put_u32(nlh, NFSEC_SA_A_REPLAY_WINDOW, window);
	if (data->esn)
		flags |= NFSEC_SA_F_ESN;
	if (flags)
		mnl_attr_put_u32(nlh, NFSEC_SA_A_FLAGS, flags);
	put_lifetime(nlh, data->lifetime);
	mnl_attr_nest_end(nlh, nest);
	err = talk(this, nlh, NULL, NULL, "adding an SA");
	/* The keys are in the request buffer: wipe it. */
	memwipe(nlh, nlh->nlmsg_len);
	this->mutex->unlock(this->mutex);
	if (err) {
		DBG1(DBG_KNL, "kernel-nfsec: unable to add SA %.8x %H === %H",
			 ntohl(id->spi), id->src, id->dst);
		return err == -EEXIST ? ALREADY_DONE : FAILED;
	}
	DBG2(DBG_KNL, "kernel-nfsec: added %s SA %.8x %H === %H (reqid %u)",
		 data->inbound ? "inbound" : "outbound", ntohl(id->spi), id->src,
		 id->dst, data->reqid);
	return SUCCESS;
}

METHOD(kernel_ipsec_t, update_sa, status_t,
	private_kernel_nfsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_update_sa_t *data)
{
	/*
	 * nfsec keys an SA by its source address and has no command that
	 * changes an SA's addresses; a new SA with the old one's keys, counters
	 * and replay window does not exist either. charon rekeys the CHILD_SA
	 * instead (MOBIKE still moves the IKE SA).
	 */
	DBG1(DBG_KNL, "kernel-nfsec: nfsec cannot move SA %.8x to new "
		 "addresses (%H === %H)", ntohl(id->spi), data->new_src,
		 data->new_dst);
	return NOT_SUPPORTED;
}

struct sa_stats {
	uint64_t bytes, packets, idle;
	bool used, found;
};

static int sa_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFSEC_A_MAX + 1], *sa[NFSEC_SA_A_MAX + 1];
	const struct nlattr *st[NFSEC_STATS_A_MAX + 1];
	struct sa_stats *s = data;

	if (nfsec_nl_parse(nlh, tb, NFSEC_A_MAX) || !tb[NFSEC_A_SA] ||
	    nfsec_nl_parse_nested(tb[NFSEC_A_SA], sa, NFSEC_SA_A_MAX))
		return MNL_CB_ERROR;
	s->found = true;
	if (sa[NFSEC_SA_A_STATS] &&
	    !nfsec_nl_parse_nested(sa[NFSEC_SA_A_STATS], st, NFSEC_STATS_A_MAX)) {
		s->bytes = get_u64(st[NFSEC_STATS_A_BYTES]);
		s->packets = get_u64(st[NFSEC_STATS_A_PACKETS]);
	}
	if (sa[NFSEC_SA_A_IDLE]) {
		s->idle = get_u64(sa[NFSEC_SA_A_IDLE]);
		s->used = true;
	}
	return MNL_CB_OK;
}

/*
 * Takes this->mutex and starts a request cmd naming the SA of id, for
 * talk() and the caller to unlock; NULL, unlocked, without nfsec.
 */
static struct nlmsghdr *sa_request(private_kernel_nfsec_ipsec_t *this,
				   uint8_t cmd, kernel_ipsec_sa_id_t *id)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	this->mutex->lock(this->mutex);
	if (!family_ready(this)) {
		this->mutex->unlock(this->mutex);
		return NULL;
	}
	nlh = nfsec_nl_request(this->nl, this->family, cmd, false);
	nest = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	put_sa_key(nlh, id->proto, id->src, id->spi);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

METHOD(kernel_ipsec_t, query_sa, status_t,
	private_kernel_nfsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_query_sa_t *data, uint64_t *bytes, uint64_t *packets,
	time_t *time)
{
	struct sa_stats s = { 0 };
	struct nlmsghdr *nlh;
	int err;

	nlh = sa_request(this, NFSEC_CMD_SA_GET, id);
	if (!nlh)
		return FAILED;
	err = talk(this, nlh, sa_stats_cb, &s, "querying an SA");
	this->mutex->unlock(this->mutex);
	if (err || !s.found) {
		DBG1(DBG_KNL, "kernel-nfsec: unable to query SA %.8x %H === %H",
			 ntohl(id->spi), id->src, id->dst);
		return err ? errno2status(err) : FAILED;
	}
	if (bytes)
		*bytes = s.bytes;
	if (packets)
		*packets = s.packets;
	if (time)
		*time = s.used ? time_monotonic(NULL) - (time_t)s.idle : 0;
	return SUCCESS;
}

METHOD(kernel_ipsec_t, del_sa, status_t,
	private_kernel_nfsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_del_sa_t *data)
{
	struct nlmsghdr *nlh;
	int err;

	nlh = sa_request(this, NFSEC_CMD_SA_DEL, id);
	if (!nlh)
		return FAILED;
	err = talk(this, nlh, NULL, NULL, "deleting an SA");
	this->mutex->unlock(this->mutex);
	if (err) {
		/* A hard expiry or an unused SPI reservation went before. */
		DBG1(DBG_KNL, "kernel-nfsec: unable to delete SA %.8x %H === %H",
			 ntohl(id->spi), id->src, id->dst);
		return errno2status(err);
	}
	DBG2(DBG_KNL, "kernel-nfsec: deleted SA %.8x %H === %H",
		 ntohl(id->spi), id->src, id->dst);
	return SUCCESS;
}

METHOD(kernel_ipsec_t, flush_sas, status_t,
	private_kernel_nfsec_ipsec_t *this)
{
	struct nlmsghdr *nlh;
	int err;

	this->mutex->lock(this->mutex);
	if (!family_ready(this)) {
		this->mutex->unlock(this->mutex);
		return FAILED;
	}
	nlh = nfsec_nl_request(this->nl, this->family, NFSEC_CMD_SA_FLUSH, false);
	err = talk(this, nlh, NULL, NULL, "flushing the SAs");
	this->mutex->unlock(this->mutex);
	return errno2status(err);
}

/* Fixed leading bits of a port range, for the priority. */
static unsigned int port_bits(uint16_t min, uint16_t max)
{
	uint32_t width = (uint32_t)max - min + 1;
	unsigned int bits = 16;

	while (bits && (1U << (16 - bits)) < width)
		bits--;
	return bits;
}

/*
 * nfsec consults lower priorities first. Classes in bands: bypass (pass)
 * policies before IPsec ones (installed and trap policies share a band),
 * fallback drop policies last; within a band, longer prefixes, a
 * protocol and narrower port ranges first, and an installed policy before
 * a trap of the same selectors. 0 stays for the IKE sockets' bypasses.
 */
static uint32_t auto_priority(const selector_t *sel, policy_priority_t class)
{
	uint32_t band, spec;

	switch (class) {
	case POLICY_PRIORITY_PASS:
		band = 1;
		break;
	case POLICY_PRIORITY_FALLBACK:
		band = 3;
		break;
	case POLICY_PRIORITY_DEFAULT:
	case POLICY_PRIORITY_ROUTED:
	default:
		band = 2;
		break;
	}
	/* At most 256 * 512 + 256 + 32 * 4 + 1 < PRIO_BAND. */
	spec = (sel->splen + sel->dplen) * 512U +
	       (sel->proto ? 256U : 0) +
	       (port_bits(sel->sport_min, sel->sport_max) +
		port_bits(sel->dport_min, sel->dport_max)) * 4U +
	       (class != POLICY_PRIORITY_ROUTED);
	return band * PRIO_BAND - spec;
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

/*
 * One side of a selector: a subnet and a port range. What nfsec cannot
 * express is named in why: address ranges that are no subnet, ICMP type
 * and code selectors, ports of a protocol without them, opaque ports.
 */
static bool ts2side(traffic_selector_t *ts, uint8_t proto, uint8_t *addr,
		    uint8_t *plen, uint16_t *pmin, uint16_t *pmax,
		    const char **why)
{
	uint16_t from = ts->get_from_port(ts), to = ts->get_to_port(ts);
	host_t *net;
	chunk_t a;

	if (!ts->to_subnet(ts, &net, plen)) {
		DESTROY_IF(net);
		*why = "an address range that is no subnet";
		return FALSE;
	}
	a = net->get_address(net);
	memset(addr, 0, 16);
	memcpy(addr, a.ptr, a.len > 16 ? 16 : a.len);
	net->destroy(net);
	*pmin = 0;
	*pmax = 0;
	if (from == 0 && to == 0xffff)
		return TRUE;
	if (from > to) {
		*why = "opaque ports";
		return FALSE;
	}
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		*why = "ICMP type or code selectors";
		return FALSE;
	}
	if (!has_ports(proto)) {
		*why = "ports of a protocol without ports";
		return FALSE;
	}
	*pmin = from;
	*pmax = to;
	return TRUE;
}

static bool id2selector(kernel_ipsec_policy_id_t *id, selector_t *sel,
			const char **why)
{
	traffic_selector_t *src = id->src_ts, *dst = id->dst_ts;
	uint8_t sp = src->get_protocol(src), dp = dst->get_protocol(dst);

	memset(sel, 0, sizeof(*sel));
	if (src->get_type(src) != dst->get_type(dst)) {
		*why = "selectors of two families";
		return FALSE;
	}
	sel->family = src->get_type(src) == TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;
	if (sp && dp && sp != dp) {
		*why = "selectors of two protocols";
		return FALSE;
	}
	sel->proto = sp ? sp : dp;
	sel->dir = id->dir == POLICY_IN ? NFSEC_DIR_IN : NFSEC_DIR_OUT;
	return ts2side(src, sel->proto, sel->src, &sel->splen, &sel->sport_min,
		       &sel->sport_max, why) &&
	       ts2side(dst, sel->proto, sel->dst, &sel->dplen, &sel->dport_min,
		       &sel->dport_max, why);
}

static bool selector_equals(const selector_t *a, const selector_t *b)
{
	return a->dir == b->dir && a->family == b->family &&
	       !memcmp(a->src, b->src, sizeof(a->src)) &&
	       !memcmp(a->dst, b->dst, sizeof(a->dst)) &&
	       a->splen == b->splen && a->dplen == b->dplen &&
	       a->proto == b->proto &&
	       a->sport_min == b->sport_min && a->sport_max == b->sport_max &&
	       a->dport_min == b->dport_min && a->dport_max == b->dport_max;
}

static void put_selector(struct nlmsghdr *nlh, const selector_t *sel)
{
	size_t alen = sel->family == AF_INET6 ? 16 : 4;

	mnl_attr_put_u8(nlh, NFSEC_POL_A_DIR, sel->dir);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_FAMILY, sel->family);
	mnl_attr_put(nlh, alen == 16 ? NFSEC_POL_A_SRC6 : NFSEC_POL_A_SRC,
		     alen, sel->src);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_SRC_PLEN, sel->splen);
	mnl_attr_put(nlh, alen == 16 ? NFSEC_POL_A_DST6 : NFSEC_POL_A_DST,
		     alen, sel->dst);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_DST_PLEN, sel->dplen);
	if (sel->proto)
		mnl_attr_put_u8(nlh, NFSEC_POL_A_PROTO, sel->proto);
	if (sel->sport_min || sel->sport_max) {
		mnl_attr_put_u16(nlh, NFSEC_POL_A_SPORT_MIN, sel->sport_min);
		mnl_attr_put_u16(nlh, NFSEC_POL_A_SPORT_MAX, sel->sport_max);
	}
	if (sel->dport_min || sel->dport_max) {
		mnl_attr_put_u16(nlh, NFSEC_POL_A_DPORT_MIN, sel->dport_min);
		mnl_attr_put_u16(nlh, NFSEC_POL_A_DPORT_MAX, sel->dport_max);
	}
	mnl_attr_put_u32(nlh, NFSEC_POL_A_PRIORITY, sel->priority);
}

static int index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFSEC_A_MAX + 1], *pol[NFSEC_POL_A_MAX + 1];
	uint32_t *index = data;

	if (nfsec_nl_parse(nlh, tb, NFSEC_A_MAX) || !tb[NFSEC_A_POLICY] ||
	    nfsec_nl_parse_nested(tb[NFSEC_A_POLICY], pol, NFSEC_POL_A_MAX) ||
	    !pol[NFSEC_POL_A_INDEX] ||
	    mnl_attr_validate(pol[NFSEC_POL_A_INDEX], MNL_TYPE_U32))
		return MNL_CB_ERROR;
	*index = mnl_attr_get_u32(pol[NFSEC_POL_A_INDEX]);
	return MNL_CB_OK;
}

static int policy_add_once(private_kernel_nfsec_ipsec_t *this,
			   const selector_t *sel, uint8_t action, uint32_t reqid,
			   uint32_t *index, char *msg)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = nfsec_nl_request(this->nl, this->family, NFSEC_CMD_POLICY_ADD,
			       false);
	nest = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
	put_selector(nlh, sel);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_ACTION, action);
	if (action == NFSEC_ACTION_PROTECT)
		mnl_attr_put_u32(nlh, NFSEC_POL_A_REQID, reqid);
	mnl_attr_nest_end(nlh, nest);
	return nfsec_nl_talk(this->nl, nlh, index_cb, index, msg);
}

/*
 * Adds a policy to nfsec; its index on success, else 0. One of the same
 * direction, selectors and priority that this plugin does not know was
 * left by an earlier charon (killed, or one whose SAs outlived it): it is
 * replaced, as kernel-netlink replaces XFRM's. Mutex held.
 */
static uint32_t policy_add(private_kernel_nfsec_ipsec_t *this,
			   const selector_t *sel, uint8_t action, uint32_t reqid)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	char msg[NFSEC_NL_ERRLEN];
	uint32_t index = 0;
	int err;

	err = policy_add_once(this, sel, action, reqid, &index, msg);
	if (err == -EEXIST) {
		DBG1(DBG_KNL, "kernel-nfsec: replacing a policy of priority %u "
			 "left in nfsec", sel->priority);
		nlh = nfsec_nl_request(this->nl, this->family,
				       NFSEC_CMD_POLICY_DEL, false);
		nest = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
		put_selector(nlh, sel);
		mnl_attr_nest_end(nlh, nest);
		if (talk(this, nlh, NULL, NULL, "deleting a policy"))
			return 0;
		err = policy_add_once(this, sel, action, reqid, &index, msg);
	}
	if (err) {
		DBG1(DBG_KNL, "kernel-nfsec: adding a policy failed: %s (%s)",
			 msg, strerror(-err));
		return 0;
	}
	return index;
}

/* Deletes the policy of an index from nfsec. Mutex held. */
static int policy_del(private_kernel_nfsec_ipsec_t *this, uint32_t index)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = nfsec_nl_request(this->nl, this->family, NFSEC_CMD_POLICY_DEL,
			       false);
	nest = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
	mnl_attr_put_u32(nlh, NFSEC_POL_A_INDEX, index);
	mnl_attr_nest_end(nlh, nest);
	return talk(this, nlh, NULL, NULL, "deleting a policy");
}

static uint8_t type2action(policy_type_t type)
{
	switch (type) {
	case POLICY_PASS:
		return NFSEC_ACTION_BYPASS;
	case POLICY_DROP:
		return NFSEC_ACTION_DISCARD;
	case POLICY_IPSEC:
	default:
		return NFSEC_ACTION_PROTECT;
	}
}

static bool user_equals(const policy_user_t *a, const policy_user_t *b)
{
	return a->type == b->type &&
	       (a->type != POLICY_IPSEC || a->reqid == b->reqid);
}

/*
 * Makes the kernel's policy of an entry do what its newest user asks.
 * nfsec refuses a second policy of the same direction, selectors and
 * priority, and has no command that changes one: the old policy goes
 * before the new one comes, and a packet in between meets the next
 * policy down (or none). Mutex held.
 */
static status_t entry_follow(private_kernel_nfsec_ipsec_t *this,
			     policy_entry_t *entry)
{
	policy_user_t *newest;
	uint32_t index;

	if (entry->users->get_last(entry->users, (void**)&newest) != SUCCESS ||
	    user_equals(newest, &entry->kernel))
		return SUCCESS;
	if (entry->index && policy_del(this, entry->index))
		return FAILED;
	entry->index = 0;
	entry->kernel = (policy_user_t){ 0 };
	index = policy_add(this, &entry->sel, type2action(newest->type),
			   newest->reqid);
	if (!index)
		return FAILED;
	entry->index = index;
	entry->kernel = *newest;
	return SUCCESS;
}

static void entry_destroy(policy_entry_t *entry)
{
	entry->users->destroy_function(entry->users, free);
	free(entry);
}

static policy_entry_t *entry_find(private_kernel_nfsec_ipsec_t *this,
				  const selector_t *sel, bool any_priority)
{
	enumerator_t *enumerator;
	policy_entry_t *entry, *found = NULL;

	enumerator = this->policies->create_enumerator(this->policies);
	while (enumerator->enumerate(enumerator, &entry)) {
		if (selector_equals(&entry->sel, sel) &&
		    (any_priority || entry->sel.priority == sel->priority)) {
			found = entry;
			break;
		}
	}
	enumerator->destroy(enumerator);
	return found;
}

/* What nfsec cannot restrict a policy by; NULL if nothing. */
static const char *policy_unsupported(kernel_ipsec_policy_id_t *id)
{
	if (id->mark.value || id->mark.mask)
		return "marks";
	if (id->if_id)
		return "interface ids (if_id)";
	if (id->interface)
		return "an interface";
	if (id->label)
		return "security labels";
	return NULL;
}

METHOD(kernel_ipsec_t, add_policy, status_t,
	private_kernel_nfsec_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	policy_user_t *user;
	policy_entry_t *entry;
	const char *why = NULL;
	selector_t sel;
	status_t status;

	/*
	 * nfsec's hooks are PRE_ROUTING (in) and POST_ROUTING (out): a
	 * forwarded packet meets the in policies when it arrives and the out
	 * policies when it leaves, as a local one does. A forward policy has
	 * nothing to add.
	 */
	if (id->dir == POLICY_FWD)
		return SUCCESS;

	why = policy_unsupported(id);
	if (why || !id2selector(id, &sel, &why)) {
		DBG1(DBG_KNL, "kernel-nfsec: policy %R === %R %N: nfsec does "
			 "not support %s", id->src_ts, id->dst_ts,
			 policy_dir_names, id->dir, why);
		return NOT_SUPPORTED;
	}
	if (data->type == POLICY_IPSEC && (!data->sa || !data->sa->reqid)) {
		DBG1(DBG_KNL, "kernel-nfsec: policy %R === %R %N without a "
			 "request id", id->src_ts, id->dst_ts, policy_dir_names,
			 id->dir);
		return INVALID_ARG;
	}
	sel.priority = data->manual_prio ? data->manual_prio :
		       auto_priority(&sel, data->prio);

	INIT(user,
		.type = data->type,
		.reqid = data->sa ? data->sa->reqid : 0,
	);

	this->mutex->lock(this->mutex);
	if (!family_ready(this)) {
		this->mutex->unlock(this->mutex);
		free(user);
		return FAILED;
	}
	entry = entry_find(this, &sel, FALSE);
	if (!entry) {
		INIT(entry,
			.sel = sel,
			.users = linked_list_create(),
		);
		this->policies->insert_last(this->policies, entry);
	}
	entry->users->insert_last(entry->users, user);
	status = entry_follow(this, entry);
	if (status != SUCCESS) {
		entry->users->remove_last(entry->users, (void**)&user);
		free(user);
		if (entry->users->get_count(entry->users) == 0) {
			this->policies->remove(this->policies, entry, NULL);
			entry_destroy(entry);
		} else {
			/* Back to the previous user, if the old policy went. */
			entry_follow(this, entry);
		}
	}
	this->mutex->unlock(this->mutex);
	if (status != SUCCESS) {
		DBG1(DBG_KNL, "kernel-nfsec: unable to add policy %R === %R %N",
			 id->src_ts, id->dst_ts, policy_dir_names, id->dir);
		return status;
	}
	DBG2(DBG_KNL, "kernel-nfsec: policy %R === %R %N, priority %u",
		 id->src_ts, id->dst_ts, policy_dir_names, id->dir, sel.priority);
	return SUCCESS;
}

struct pol_idle {
	linked_list_t *indexes;	/* uintptr_t of the entries asked about */
	uint64_t idle;
	bool used;
};

static bool index_matches(linked_list_t *indexes, uint32_t index)
{
	enumerator_t *enumerator;
	void *p;
	bool found = FALSE;

	enumerator = indexes->create_enumerator(indexes);
	while (!found && enumerator->enumerate(enumerator, &p))
		found = (uintptr_t)p == index;
	enumerator->destroy(enumerator);
	return found;
}

static int pol_idle_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFSEC_A_MAX + 1], *pol[NFSEC_POL_A_MAX + 1];
	struct pol_idle *q = data;
	uint64_t idle;

	if (nfsec_nl_parse(nlh, tb, NFSEC_A_MAX) || !tb[NFSEC_A_POLICY] ||
	    nfsec_nl_parse_nested(tb[NFSEC_A_POLICY], pol, NFSEC_POL_A_MAX))
		return MNL_CB_ERROR;
	if (!pol[NFSEC_POL_A_INDEX] || !pol[NFSEC_POL_A_IDLE] ||
	    mnl_attr_validate(pol[NFSEC_POL_A_INDEX], MNL_TYPE_U32) ||
	    !index_matches(q->indexes, mnl_attr_get_u32(pol[NFSEC_POL_A_INDEX])))
		return MNL_CB_OK;
	idle = get_u64(pol[NFSEC_POL_A_IDLE]);
	if (!q->used || idle < q->idle)
		q->idle = idle;
	q->used = true;
	return MNL_CB_OK;
}

METHOD(kernel_ipsec_t, query_policy, status_t,
	private_kernel_nfsec_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_query_policy_t *data, time_t *use_time)
{
	struct pol_idle q = { .indexes = linked_list_create() };
	enumerator_t *enumerator;
	policy_entry_t *entry;
	struct nlmsghdr *nlh;
	const char *why;
	selector_t sel;
	int err;

	if (id->dir == POLICY_FWD) {
		/* Not in nfsec: the in and out policies tell. */
		q.indexes->destroy(q.indexes);
		return NOT_SUPPORTED;
	}
	if (!id2selector(id, &sel, &why)) {
		q.indexes->destroy(q.indexes);
		return NOT_FOUND;
	}
	this->mutex->lock(this->mutex);
	/* No priority is given: the last use of any with these selectors. */
	enumerator = this->policies->create_enumerator(this->policies);
	while (enumerator->enumerate(enumerator, &entry)) {
		if (entry->index && selector_equals(&entry->sel, &sel))
			q.indexes->insert_last(q.indexes,
					       (void*)(uintptr_t)entry->index);
	}
	enumerator->destroy(enumerator);
	if (q.indexes->get_count(q.indexes) == 0 || !family_ready(this)) {
		this->mutex->unlock(this->mutex);
		q.indexes->destroy(q.indexes);
		DBG2(DBG_KNL, "kernel-nfsec: policy %R === %R %N not installed",
			 id->src_ts, id->dst_ts, policy_dir_names, id->dir);
		return NOT_FOUND;
	}
	/* nfsec answers policies by dump only. */
	nlh = nfsec_nl_request(this->nl, this->family, NFSEC_CMD_POLICY_GET,
			       true);
	err = talk(this, nlh, pol_idle_cb, &q, "querying the policies");
	this->mutex->unlock(this->mutex);
	q.indexes->destroy(q.indexes);
	if (err)
		return errno2status(err);
	*use_time = q.used ? time_monotonic(NULL) - (time_t)q.idle : 0;
	return SUCCESS;
}

METHOD(kernel_ipsec_t, del_policy, status_t,
	private_kernel_nfsec_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	policy_user_t want, *user, *found = NULL;
	enumerator_t *enumerator;
	policy_entry_t *entry;
	const char *why;
	selector_t sel;
	status_t status = SUCCESS;

	if (id->dir == POLICY_FWD)
		return SUCCESS;
	if (policy_unsupported(id) || !id2selector(id, &sel, &why))
		return NOT_FOUND;
	sel.priority = data->manual_prio ? data->manual_prio :
		       auto_priority(&sel, data->prio);
	want.type = data->type;
	want.reqid = data->sa ? data->sa->reqid : 0;

	this->mutex->lock(this->mutex);
	entry = entry_find(this, &sel, FALSE);
	if (entry) {
		/* The newest user of that kind goes. */
		enumerator = entry->users->create_enumerator(entry->users);
		while (enumerator->enumerate(enumerator, &user)) {
			if (user_equals(user, &want))
				found = user;
		}
		enumerator->destroy(enumerator);
	}
	if (!found) {
		this->mutex->unlock(this->mutex);
		DBG1(DBG_KNL, "kernel-nfsec: policy %R === %R %N (reqid %u) not "
			 "found", id->src_ts, id->dst_ts, policy_dir_names,
			 id->dir, want.reqid);
		return NOT_FOUND;
	}
	entry->users->remove(entry->users, found, NULL);
	free(found);
	if (entry->users->get_count(entry->users) == 0) {
		if (entry->index && family_ready(this) &&
		    policy_del(this, entry->index))
			status = FAILED;
		this->policies->remove(this->policies, entry, NULL);
		entry_destroy(entry);
	} else if (family_ready(this)) {
		status = entry_follow(this, entry);
	}
	this->mutex->unlock(this->mutex);
	if (status != SUCCESS)
		DBG1(DBG_KNL, "kernel-nfsec: unable to delete policy %R === %R %N",
			 id->src_ts, id->dst_ts, policy_dir_names, id->dir);
	return status;
}

METHOD(kernel_ipsec_t, flush_policies, status_t,
	private_kernel_nfsec_ipsec_t *this)
{
	enumerator_t *enumerator;
	struct nlmsghdr *nlh;
	bypass_t *b;
	int err;

	this->mutex->lock(this->mutex);
	if (!family_ready(this)) {
		this->mutex->unlock(this->mutex);
		return FAILED;
	}
	nlh = nfsec_nl_request(this->nl, this->family, NFSEC_CMD_POLICY_FLUSH,
			       false);
	err = talk(this, nlh, NULL, NULL, "flushing the policies");
	if (!err) {
		this->policies->destroy_function(this->policies,
						 (void*)entry_destroy);
		this->policies = linked_list_create();
		/* The IKE sockets must go on bypassing. */
		enumerator = this->bypasses->create_enumerator(this->bypasses);
		while (enumerator->enumerate(enumerator, &b)) {
			memset(b->index, 0, sizeof(b->index));
			bypass_install(this, b);
		}
		enumerator->destroy(enumerator);
	}
	this->mutex->unlock(this->mutex);
	return errno2status(err);
}

/*
 * A socket's bypass: UDP with its port as source or destination, in and
 * out, of its family, at priority 0, consulted before any of charon's.
 * Mutex held; what is already there stays.
 */
static void bypass_install(private_kernel_nfsec_ipsec_t *this, bypass_t *b)
{
	selector_t sel;
	int i;

	for (i = 0; i < 4; i++) {
		if (b->index[i])
			continue;
		memset(&sel, 0, sizeof(sel));
		sel.dir = i < 2 ? NFSEC_DIR_IN : NFSEC_DIR_OUT;
		sel.family = b->family;
		sel.proto = IPPROTO_UDP;
		if (i % 2) {
			sel.dport_min = b->port;
			sel.dport_max = b->port;
		} else {
			sel.sport_min = b->port;
			sel.sport_max = b->port;
		}
		sel.priority = 0;
		b->index[i] = policy_add(this, &sel, NFSEC_ACTION_BYPASS, 0);
	}
}

static bool bypass_complete(bypass_t *b)
{
	return b->index[0] && b->index[1] && b->index[2] && b->index[3];
}

METHOD(kernel_ipsec_t, bypass_socket, bool,
	private_kernel_nfsec_ipsec_t *this, int fd, int family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	enumerator_t *enumerator;
	bypass_t *b, *found = NULL;
	uint16_t port;
	bool ok;

	if (getsockname(fd, (struct sockaddr*)&ss, &len) ||
	    ss.ss_family != family) {
		DBG1(DBG_KNL, "kernel-nfsec: no port of the IKE socket: %s",
			 strerror(errno));
		return FALSE;
	}
	if (family == AF_INET)
		port = ntohs(((struct sockaddr_in*)&ss)->sin_port);
	else if (family == AF_INET6)
		port = ntohs(((struct sockaddr_in6*)&ss)->sin6_port);
	else
		return FALSE;

	this->mutex->lock(this->mutex);
	enumerator = this->bypasses->create_enumerator(this->bypasses);
	while (enumerator->enumerate(enumerator, &b)) {
		if (b->family == family && b->port == port) {
			found = b;
			break;
		}
	}
	enumerator->destroy(enumerator);
	if (!found) {
		INIT(found,
			.family = family,
			.port = port,
		);
		this->bypasses->insert_last(this->bypasses, found);
	}
	found->refs++;
	/* Without nfsec yet, installed as soon as it is found. */
	if (family_ready(this))
		bypass_install(this, found);
	ok = bypass_complete(found);
	this->mutex->unlock(this->mutex);
	if (ok)
		DBG2(DBG_KNL, "kernel-nfsec: IKE bypass policies for UDP port %u "
			 "(%s)", port, family == AF_INET ? "IPv4" : "IPv6");
	else
		DBG1(DBG_KNL, "kernel-nfsec: no IKE bypass policies for UDP port "
			 "%u (%s)", port, family == AF_INET ? "IPv4" : "IPv6");
	return ok;
}

METHOD(kernel_ipsec_t, enable_udp_decap, bool,
	private_kernel_nfsec_ipsec_t *this, int fd, int family, uint16_t port)
{
	/*
	 * nfsec has no ESP-in-UDP (RFC 3948). charon logs the failure and
	 * goes on; an SA it would encapsulate is refused by add_sa().
	 */
	DBG1(DBG_KNL, "kernel-nfsec: nfsec has no UDP encapsulation of ESP, "
		 "NAT traversal is not available");
	return FALSE;
}

/* An event's SA: protocol, SPI and destination, for charon's expire(). */
static void event_expire(private_kernel_nfsec_ipsec_t *this,
			 const struct nlattr *nest, bool hard)
{
	const struct nlattr *sa[NFSEC_SA_A_MAX + 1];
	host_t *dst;
	uint32_t spi;
	uint8_t proto;

	if (!nest || nfsec_nl_parse_nested(nest, sa, NFSEC_SA_A_MAX) ||
	    !sa[NFSEC_SA_A_PROTO] || !sa[NFSEC_SA_A_SPI] ||
	    mnl_attr_get_payload_len(sa[NFSEC_SA_A_SPI]) != 4)
		return;
	dst = get_host(sa[NFSEC_SA_A_DST], sa[NFSEC_SA_A_DST6]);
	if (!dst)
		return;
	proto = mnl_attr_get_u8(sa[NFSEC_SA_A_PROTO]);
	spi = mnl_attr_get_u32(sa[NFSEC_SA_A_SPI]);
	DBG1(DBG_KNL, "kernel-nfsec: %s expiry of SA %.8x to %H",
		 hard ? "hard" : "soft", ntohl(spi), dst);
	charon->kernel->expire(charon->kernel, proto, spi, dst, hard);
	dst->destroy(dst);
}

/* The packet of an acquire as traffic selectors of one address each. */
static traffic_selector_t *flow_ts(const struct nlattr **fl, bool src)
{
	const struct nlattr *a4 = fl[src ? NFSEC_POL_A_SRC : NFSEC_POL_A_DST];
	const struct nlattr *a6 = fl[src ? NFSEC_POL_A_SRC6 : NFSEC_POL_A_DST6];
	const struct nlattr *port = fl[src ? NFSEC_POL_A_SPORT_MIN :
					    NFSEC_POL_A_DPORT_MIN];
	uint16_t from = 0, to = 0xffff;
	uint8_t proto = 0;
	host_t *host;
	traffic_selector_t *ts;

	host = get_host(a4, a6);
	if (!host)
		return NULL;
	if (fl[NFSEC_POL_A_PROTO])
		proto = mnl_attr_get_u8(fl[NFSEC_POL_A_PROTO]);
	if (port && mnl_attr_get_payload_len(port) == 2)
		from = to = mnl_attr_get_u16(port);
	ts = traffic_selector_create_from_subnet(host,
			host->get_family(host) == AF_INET6 ? 128 : 32,
			proto, from, to);
	/* traffic_selector_create_from_subnet() took the host. */
	return ts;
}

static void event_acquire(private_kernel_nfsec_ipsec_t *this,
			  const struct nlattr **tb)
{
	const struct nlattr *pol[NFSEC_POL_A_MAX + 1];
	const struct nlattr *fl[NFSEC_POL_A_MAX + 1];
	kernel_acquire_data_t data = { 0 };
	uint32_t reqid;

	if (!tb[NFSEC_A_POLICY] ||
	    nfsec_nl_parse_nested(tb[NFSEC_A_POLICY], pol, NFSEC_POL_A_MAX) ||
	    !pol[NFSEC_POL_A_REQID] ||
	    mnl_attr_validate(pol[NFSEC_POL_A_REQID], MNL_TYPE_U32))
		return;
	reqid = mnl_attr_get_u32(pol[NFSEC_POL_A_REQID]);
	if (tb[NFSEC_A_FLOW] &&
	    !nfsec_nl_parse_nested(tb[NFSEC_A_FLOW], fl, NFSEC_POL_A_MAX)) {
		data.src = flow_ts(fl, TRUE);
		data.dst = flow_ts(fl, FALSE);
	}
	DBG1(DBG_KNL, "kernel-nfsec: acquire for reqid %u (%R === %R)", reqid,
		 data.src, data.dst);
	charon->kernel->acquire(charon->kernel, reqid, &data);
	DESTROY_IF(data.src);
	DESTROY_IF(data.dst);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	private_kernel_nfsec_ipsec_t *this = data;
	const struct nlattr *tb[NFSEC_A_MAX + 1];
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != this->family ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*genl)) ||
	    genl->cmd != NFSEC_CMD_EVENT ||
	    nfsec_nl_parse(nlh, tb, NFSEC_A_MAX) || !tb[NFSEC_A_EVENT] ||
	    mnl_attr_validate(tb[NFSEC_A_EVENT], MNL_TYPE_U32))
		return MNL_CB_OK;
	switch (mnl_attr_get_u32(tb[NFSEC_A_EVENT])) {
	case NFSEC_EV_SA_SOFT:
		event_expire(this, tb[NFSEC_A_SA], FALSE);
		break;
	case NFSEC_EV_SA_EXPIRED:
	case NFSEC_EV_SA_SEQ_EXHAUSTED:
		event_expire(this, tb[NFSEC_A_SA], TRUE);
		break;
	case NFSEC_EV_ACQUIRE:
		event_acquire(this, tb);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

CALLBACK(receive_events, bool,
	private_kernel_nfsec_ipsec_t *this, int fd, watcher_event_t event)
{
	char buf[16384];
	ssize_t len;

	for (;;) {
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				DBG1(DBG_KNL, "kernel-nfsec: events were lost "
					 "(receive buffer full)");
				continue;
			}
			break;
		}
		if (len == 0)
			break;
		mnl_cb_run(buf, len, 0, 0, event_cb, this);
	}
	return TRUE;
}

/*
 * nfsec's family, looked up if not yet known; on the first success the
 * event socket is joined and pending socket bypasses installed. Mutex held.
 */
static bool family_ready(private_kernel_nfsec_ipsec_t *this)
{
	enumerator_t *enumerator;
	bypass_t *b;
	int err;

	if (this->family)
		return TRUE;
	err = nfsec_nl_family(this->nl, NFSEC_GENL_NAME, &this->family,
			      NFSEC_MCGRP_EVENTS, &this->group);
	if (err) {
		this->family = 0;
		DBG1(DBG_KNL, "kernel-nfsec: no generic netlink family \"%s\" "
			 "(%s): is the nfsec module loaded (modprobe nfsec)?",
			 NFSEC_GENL_NAME, strerror(-err));
		return FALSE;
	}
	this->events = nfsec_nl_listen(this->group);
	if (!this->events)
		DBG1(DBG_KNL, "kernel-nfsec: cannot join nfsec's events: %s; no "
			 "expiries nor acquires will reach charon", strerror(errno));
	else
		lib->watcher->add(lib->watcher, mnl_socket_get_fd(this->events),
				  WATCHER_READ, receive_events, this);
	DBG1(DBG_KNL, "kernel-nfsec: using nfsec (generic netlink family %u)",
		 this->family);
	enumerator = this->bypasses->create_enumerator(this->bypasses);
	while (enumerator->enumerate(enumerator, &b))
		bypass_install(this, b);
	enumerator->destroy(enumerator);
	return TRUE;
}

METHOD(kernel_ipsec_t, destroy, void,
	private_kernel_nfsec_ipsec_t *this)
{
	enumerator_t *enumerator;
	bypass_t *b;
	int i, left;

	if (this->events) {
		lib->watcher->remove(lib->watcher, mnl_socket_get_fd(this->events));
		mnl_socket_close(this->events);
	}
	this->mutex->lock(this->mutex);
	if (this->family) {
		enumerator = this->bypasses->create_enumerator(this->bypasses);
		while (enumerator->enumerate(enumerator, &b)) {
			for (i = 0; i < 4; i++)
				if (b->index[i])
					policy_del(this, b->index[i]);
		}
		enumerator->destroy(enumerator);
	}
	left = this->policies->get_count(this->policies);
	if (left)
		DBG1(DBG_KNL, "kernel-nfsec: %d policies of charon left in nfsec",
			 left);
	this->mutex->unlock(this->mutex);
	this->bypasses->destroy_function(this->bypasses, free);
	this->policies->destroy_function(this->policies, (void*)entry_destroy);
	nfsec_nl_close(this->nl);
	this->mutex->destroy(this->mutex);
	free(this);
}

kernel_nfsec_ipsec_t *kernel_nfsec_ipsec_create(void)
{
	private_kernel_nfsec_ipsec_t *this;

	INIT(this,
		.public = {
			.interface = {
				.get_features = _get_features,
				.get_spi = _get_spi,
				.get_cpi = _get_cpi,
				.add_sa = _add_sa,
				.update_sa = _update_sa,
				.query_sa = _query_sa,
				.del_sa = _del_sa,
				.flush_sas = _flush_sas,
				.add_policy = _add_policy,
				.query_policy = _query_policy,
				.del_policy = _del_policy,
				.flush_policies = _flush_policies,
				.bypass_socket = _bypass_socket,
				.enable_udp_decap = _enable_udp_decap,
				.destroy = _destroy,
			},
		},
		.mutex = mutex_create(MUTEX_TYPE_DEFAULT),
		.policies = linked_list_create(),
		.bypasses = linked_list_create(),
	);

	this->nl = nfsec_nl_open();
	if (!this->nl) {
		DBG1(DBG_KNL, "kernel-nfsec: cannot open a generic netlink "
			 "socket: %s", strerror(errno));
		this->mutex->destroy(this->mutex);
		this->policies->destroy(this->policies);
		this->bypasses->destroy(this->bypasses);
		free(this);
		return NULL;
	}
	/*
	 * Without nfsec the plugin stays: its requests fail (and say why)
	 * until the module is loaded, rather than charon falling back to
	 * another IPsec stack behind the administrator's back.
	 */
	this->mutex->lock(this->mutex);
	family_ready(this);
	this->mutex->unlock(this->mutex);
	return &this->public;
}
