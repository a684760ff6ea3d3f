// SPDX-License-Identifier: GPL-2.0
/*
 * The anti-replay window and extended sequence numbers of an inbound SA
 * (RFC 4303 section 3.4.3 and appendix A; RFC 4302 says the same for AH).
 *
 * The window holds the size numbers top - size + 1 .. top, top being the
 * highest number whose ICV verified. A circular bitmap remembers which of
 * them were seen: number n is bit n % size, and when top moves forward the
 * bits it slides over are cleared, as they now stand for new numbers.
 *
 * A packet is checked twice: once before its ICV is verified, which also
 * infers the high half of an extended sequence number, and again when it is
 * recorded, since another CPU may have recorded the same number meanwhile.
 * Nothing here locks: the callers hold the SA's lock.
 */

#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/math64.h>

#include "replay.h"
#include "uapi/nfsec.h"

int nfsec_replay_init(struct nfsec_replay *r, u32 size, gfp_t gfp)
{
	r->top = 0;
	r->size = 0;
	r->bits = NULL;
	if (size > NFSEC_REPLAY_WINDOW_MAX)
		return -EINVAL;
	if (!size)
		return 0;
	r->bits = bitmap_zalloc(size, gfp);
	if (!r->bits)
		return -ENOMEM;
	r->size = size;
	return 0;
}

void nfsec_replay_free(struct nfsec_replay *r)
{
	bitmap_free(r->bits);
	r->bits = NULL;
	r->size = 0;
}

static u32 nfsec_replay_bit(const struct nfsec_replay *r, u64 seq)
{
	u32 bit;

	div_u64_rem(seq, r->size, &bit);
	return bit;
}

/*
 * The span W that RFC 4303 appendix A2.2 infers the high half with: the
 * window itself, or half the 32-bit space when anti-replay is off. A number
 * is placed among the 2^32 numbers top - W + 1 .. top - W + 2^32, so with
 * W == 1 a packet merely reordered by one would be taken for one 2^32 ahead
 * and fail its ICV; half the space tolerates reordering both ways equally.
 */
static u32 nfsec_replay_span(const struct nfsec_replay *r)
{
	return r->size ?: 1U << 31;
}

/*
 * Sets *seq to the full number whose low half is seq_lo. There is no block
 * before the first one, so in it a number is taken as ahead of the window;
 * false when the number lies past 2^64 - 1 (*seq is then in the last block,
 * below the window).
 */
static bool nfsec_replay_infer(const struct nfsec_replay *r, u32 seq_lo,
			       u64 *seq)
{
	u32 tl = lower_32_bits(r->top);
	u32 th = upper_32_bits(r->top);
	u32 w = nfsec_replay_span(r);
	u32 bottom = tl - (w - 1);	/* modulo 2^32 */
	bool ok = true;

	if (tl >= w - 1) {
		/* Case A: the window lies within one block of 2^32. */
		if (seq_lo < bottom) {
			if (th == U32_MAX)
				ok = false;
			else
				th++;
		}
	} else if (seq_lo >= bottom && th) {
		/* Case B: the window straddles two blocks. */
		th--;
	}
	*seq = (u64)th << 32 | seq_lo;
	return ok;
}

static int nfsec_replay_test(const struct nfsec_replay *r, u64 seq)
{
	/* The first packet carries 1: 0 is never sent, with ESN neither. */
	if (!seq)
		return -ERANGE;
	if (!r->size || seq > r->top)
		return 0;
	if (r->top - seq >= r->size)
		return -ERANGE;
	return test_bit(nfsec_replay_bit(r, seq), r->bits) ? -EEXIST : 0;
}

/**
 * nfsec_replay_check() - check a received sequence number before its ICV
 * @r: the SA's replay state
 * @seq_lo: the sequence number field of the packet, in host order
 * @esn: whether the SA uses extended sequence numbers
 * @seq: set to the full 64-bit number whatever the result; without ESN its
 *	high half is 0, with ESN it is inferred as RFC 4303 appendix A2.2 does
 *	and must then go into the ICV
 *
 * Context: the caller holds the SA's lock.
 * Return: 0 if the packet may be new, -EEXIST if its number was seen, or
 * -ERANGE if the number is older than the window, is 0, or lies past
 * 2^64 - 1.
 */
int nfsec_replay_check(const struct nfsec_replay *r, u32 seq_lo, bool esn,
		       u64 *seq)
{
	*seq = seq_lo;
	if (esn && !nfsec_replay_infer(r, seq_lo, seq))
		return -ERANGE;
	return nfsec_replay_test(r, *seq);
}

/* Moves top forward to seq, clearing the bits of the numbers slid over. */
static void nfsec_replay_slide(struct nfsec_replay *r, u64 seq)
{
	u64 diff = seq - r->top;
	u32 start, n;

	if (diff >= r->size) {
		bitmap_zero(r->bits, r->size);
	} else {
		/* diff < size, so at most one wrap around the bitmap. */
		start = nfsec_replay_bit(r, r->top + 1);
		n = min_t(u32, diff, r->size - start);
		bitmap_clear(r->bits, start, n);
		if (diff > n)
			bitmap_clear(r->bits, 0, diff - n);
	}
	r->top = seq;
}

/**
 * nfsec_replay_advance() - record a sequence number whose ICV verified
 * @r: the SA's replay state
 * @seq: the full number nfsec_replay_check() gave
 *
 * Checks @seq again, as another CPU may have recorded it since, then marks
 * it seen and moves the window forward when @seq is above its top.
 *
 * Context: the caller holds the SA's lock.
 * Return: 0 when recorded, else -EEXIST or -ERANGE as nfsec_replay_check().
 */
int nfsec_replay_advance(struct nfsec_replay *r, u64 seq)
{
	int err;

	err = nfsec_replay_test(r, seq);
	if (err)
		return err;
	if (!r->size) {
		r->top = max(r->top, seq);
		return 0;
	}
	if (seq > r->top)
		nfsec_replay_slide(r, seq);
	__set_bit(nfsec_replay_bit(r, seq), r->bits);
	return 0;
}

#ifdef NFSEC_DEBUG
/*
 * Table-driven checks of the window, run at module load. Each case starts
 * from an empty window whose top is preset, then replays its steps:
 *   RECV(lo, err, seq)  a packet arrives: check, and advance if it may be new
 *                       (its ICV verifies); err and seq are check's results
 *   PEEK(lo, err, seq)  check only, as before an ICV that fails or is pending
 *   COMMIT(seq, err)    advance only, as when a pending ICV verified
 * OK, DUP and OLD are RECV without ESN: 0, -EEXIST and -ERANGE. A step's seq
 * of 0 stands for seq_lo itself. With ESN, a number below the window is taken
 * for one 2^32 ahead (the PEEKs at 0x1ffffffxx): only its ICV rejects it.
 */
enum {
	NFSEC_RS_END,
	NFSEC_RS_RECV,
	NFSEC_RS_PEEK,
	NFSEC_RS_COMMIT,
};

#define NFSEC_RS_MAX 12

struct nfsec_replay_step {
	u8 op;
	u32 seq_lo;
	int err;
	u64 seq;	/* 0: seq_lo */
};

struct nfsec_replay_case {
	const char *what;
	u32 size;
	bool esn;
	u64 top;
	struct nfsec_replay_step steps[NFSEC_RS_MAX];
};

#define RECV(lo, e, s)	{ NFSEC_RS_RECV, lo, e, s }
#define PEEK(lo, e, s)	{ NFSEC_RS_PEEK, lo, e, s }
#define COMMIT(s, e)	{ NFSEC_RS_COMMIT, 0, e, s }
#define OK(n)		{ NFSEC_RS_RECV, n, 0 }
#define DUP(n)		{ NFSEC_RS_RECV, n, -EEXIST }
#define OLD(n)		{ NFSEC_RS_RECV, n, -ERANGE }

static const struct nfsec_replay_case nfsec_replay_cases[] __initconst = {
	{ "in order", 64, false, 0,
	  { OK(1), OK(2), OK(3), OK(4) } },
	{ "duplicates", 64, false, 0,
	  { OK(1), DUP(1), OK(2), DUP(1), DUP(2), OK(3), DUP(3) } },
	{ "reordering within the window, accepted once", 32, false, 0,
	  { OK(10), OK(5), OK(7), DUP(5), DUP(7), OK(6), DUP(10), OK(9),
	    DUP(9) } },
	{ "left edge of the window", 64, false, 0,
	  { OK(100), OK(37), OLD(36), DUP(37), OK(101), OLD(37), OK(38) } },
	{ "size 100, edges and sliding", 100, false, 0,
	  { OK(1000), OK(901), OLD(900), OK(950), OK(1001), OLD(901),
	    DUP(950), OK(902) } },
	{ "size 1", 1, false, 0,
	  { OK(1), DUP(1), OK(3), OLD(2), DUP(3), OK(4), OLD(3) } },
	{ "jump beyond the window clears every bit", 32, false, 0,
	  { OK(10), OK(20), OK(100), OK(74), OK(84), OLD(20), OLD(68),
	    OK(69), DUP(74), DUP(84) } },
	{ "jump within the window clears the bits slid over", 32, false, 0,
	  { OK(10), OK(20), OK(45), OK(42), DUP(20), OK(14), OLD(13),
	    OK(46), OLD(14), OK(15), DUP(42) } },
	{ "slide across the end of the bitmap", 100, false, 0,
	  { OK(95), OK(98), OK(105), DUP(98), DUP(95), OK(97), OK(100),
	    OK(6), OLD(5), DUP(105) } },
	{ "jump of exactly the size", 64, false, 0,
	  { OK(1), OK(65), OLD(1), OK(2), OK(129), OLD(65), OK(66), DUP(129) } },
	{ "size 4096", 4096, false, 0,
	  { OK(5000), OK(905), OLD(904), OK(4999), DUP(905), OK(9096),
	    OLD(5000), OK(5001), DUP(9096), OK(9001) } },
	{ "size 0: anything but 0, duplicates too", 0, false, 0,
	  { OK(1), OK(1), OK(1000000), OK(2), OK(2), OLD(0), OK(U32_MAX) } },
	{ "0 is never valid", 64, false, 0,
	  { OLD(0), OK(1), OLD(0), OK(2) } },
	{ "no ESN: no wrap after 2^32 - 1", 64, false, 0xfffffff0,
	  { OK(0xffffffff), OLD(1), OLD(0), OK(0xffffffc0), OLD(0xffffffbf),
	    DUP(0xffffffff) } },
	{ "ESN: first packets", 64, true, 0,
	  { OK(1), OLD(0), OK(2), PEEK(0xfffffff0, 0, 0xfffffff0),
	    DUP(1) } },
	{ "ESN: late packets of the previous block", 64, true, 0x100000005,
	  { RECV(0xfffffff0, 0, 0xfffffff0),
	    RECV(0xfffffff0, -EEXIST, 0xfffffff0),
	    RECV(0xffffffc6, 0, 0xffffffc6),
	    PEEK(0xffffffc5, 0, 0x1ffffffc5),
	    RECV(5, 0, 0x100000005), RECV(5, -EEXIST, 0x100000005),
	    RECV(0, 0, 0x100000000), RECV(0, -EEXIST, 0x100000000),
	    RECV(6, 0, 0x100000006), PEEK(0xffffffc6, 0, 0x1ffffffc6) } },
	{ "ESN: into the next block", 64, true, 0xfffffff0,
	  { RECV(5, 0, 0x100000005), RECV(0xfffffff0, 0, 0xfffffff0),
	    RECV(0xfffffff0, -EEXIST, 0xfffffff0),
	    RECV(0xffffffff, 0, 0xffffffff), RECV(0, 0, 0x100000000),
	    RECV(5, -EEXIST, 0x100000005), RECV(0xffffffc6, 0, 0xffffffc6),
	    PEEK(0xffffffc5, 0, 0x1ffffffc5) } },
	{ "ESN: duplicates across the boundary", 32, true, 0xffffffe0,
	  { RECV(0xfffffffe, 0, 0xfffffffe), RECV(0xffffffff, 0, 0xffffffff),
	    RECV(1, 0, 0x100000001), RECV(0xfffffffe, -EEXIST, 0xfffffffe),
	    RECV(0xffffffff, -EEXIST, 0xffffffff),
	    RECV(1, -EEXIST, 0x100000001), RECV(0, 0, 0x100000000),
	    RECV(0, -EEXIST, 0x100000000), RECV(0xffffffe2, 0, 0xffffffe2),
	    PEEK(0xffffffe1, 0, 0x1ffffffe1) } },
	{ "ESN: size 1 across the boundary", 1, true, 0xffffffff,
	  { RECV(0, 0, 0x100000000), RECV(0, -EEXIST, 0x100000000),
	    PEEK(0xffffffff, 0, 0x1ffffffff), RECV(1, 0, 0x100000001) } },
	{ "ESN: size 0 infers within half the space", 0, true, 0xfffffff0,
	  { RECV(5, 0, 0x100000005), RECV(0xfffffff0, 0, 0xfffffff0),
	    RECV(0xfffffff0, 0, 0xfffffff0), PEEK(0x80000006, 0, 0x80000006),
	    PEEK(0x80000005, 0, 0x180000005), RECV(0, 0, 0x100000000),
	    RECV(5, 0, 0x100000005) } },
	{ "ESN: the end of the 64-bit space", 64, true, 0xfffffffffffffff0,
	  { RECV(0xffffffff, 0, U64_MAX), RECV(0xffffffff, -EEXIST, U64_MAX),
	    RECV(0xffffffc0, 0, 0xffffffffffffffc0),
	    PEEK(0xffffffbf, -ERANGE, 0xffffffffffffffbf),
	    PEEK(0, -ERANGE, 0xffffffff00000000) } },
	{ "advance checks again", 64, false, 0,
	  { PEEK(5, 0, 5), PEEK(5, 0, 5), COMMIT(5, 0), COMMIT(5, -EEXIST),
	    PEEK(10, 0, 10), OK(100), COMMIT(10, -ERANGE), COMMIT(0, -ERANGE),
	    COMMIT(37, 0), DUP(37) } },
	{ "ESN: advance checks again across the boundary", 32, true,
	  0xfffffff0,
	  { PEEK(2, 0, 0x100000002), RECV(2, 0, 0x100000002),
	    COMMIT(0x100000002, -EEXIST), RECV(0xfffffff1, 0, 0xfffffff1),
	    COMMIT(0xfffffff1, -EEXIST) } },
};

#undef OLD
#undef DUP
#undef OK
#undef COMMIT
#undef PEEK
#undef RECV

static int __init nfsec_replay_step(struct nfsec_replay *r, bool esn,
				    const struct nfsec_replay_step *s,
				    u64 *seq)
{
	int err;

	if (s->op == NFSEC_RS_COMMIT) {
		*seq = s->seq;
		return nfsec_replay_advance(r, *seq);
	}
	err = nfsec_replay_check(r, s->seq_lo, esn, seq);
	if (!err && s->op == NFSEC_RS_RECV)
		err = nfsec_replay_advance(r, *seq);
	return err;
}

/**
 * nfsec_replay_selftest() - run the table of anti-replay cases
 *
 * Replays each case of nfsec_replay_cases[] on a fresh window and compares
 * every step's result and inferred sequence number with the expected ones.
 * Each failing case is logged with its index, step and description.
 *
 * Return: 0 when every case passed, -EINVAL when any failed, -ENOMEM when a
 * window could not be allocated.
 */
int __init nfsec_replay_selftest(void)
{
	unsigned int i, j, failed = 0;

	for (i = 0; i < ARRAY_SIZE(nfsec_replay_cases); i++) {
		const struct nfsec_replay_case *c = &nfsec_replay_cases[i];
		struct nfsec_replay r;
		int err;
		u64 seq;

		err = nfsec_replay_init(&r, c->size, GFP_KERNEL);
		if (err)
			return err;
		r.top = c->top;
		for (j = 0; j < NFSEC_RS_MAX && c->steps[j].op; j++) {
			const struct nfsec_replay_step *s = &c->steps[j];

			err = nfsec_replay_step(&r, c->esn, s, &seq);
			if (err != s->err || seq != (s->seq ?: s->seq_lo)) {
				pr_err("selftest: replay case %u (%s) failed at step %u: %d, seq %#llx\n",
				       i, c->what, j, err, seq);
				failed++;
				break;
			}
		}
		nfsec_replay_free(&r);
	}
	if (failed)
		return -EINVAL;
	pr_info("selftest: %zu replay cases passed\n",
		ARRAY_SIZE(nfsec_replay_cases));
	return 0;
}
#endif /* NFSEC_DEBUG */
