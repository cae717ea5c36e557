#include "deny.h"

#include <stdlib.h>
#include <string.h>

#include "encode.h"

#define DENY_MIN_SLOTS	16

struct deny_entry {
	uint8_t		 id[16];
	bool		 used;
	int64_t		 revoked_at;	/* tokens issued at or before: refused */
	int64_t		 keep_until;	/* expires_at + leeway: dropped after */
};

/* Open addressing with linear probing; at most half the slots are used. */
struct deny {
	struct deny_entry	*slots;
	size_t			 cap;		/* a power of two, or 0 */
	size_t			 n;
	int64_t			 leeway;
	int64_t			 next_drop;	/* no entry expires before this */
};

struct deny *
deny_new(long long leeway)
{
	struct deny	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->leeway = leeway;
	d->next_drop = INT64_MAX;
	return d;
}

void
deny_free(struct deny *d)
{
	if (d == NULL)
		return;
	free(d->slots);
	free(d);
}

size_t
deny_count(const struct deny *d)
{
	return d->n;
}

/* Returns the slot of id: its entry, or the empty slot where it would go. */
static struct deny_entry *
slot_of(const struct deny *d, const uint8_t id[16])
{
	uint64_t	 a, b;
	size_t		 i;

	memcpy(&a, id, 8);
	memcpy(&b, id + 8, 8);
	/* Random ids: a multiply spreads them well enough. */
	i = (size_t)(((a ^ b) * 0x9e3779b97f4a7c15ULL) >> 32) & (d->cap - 1);
	while (d->slots[i].used && memcmp(d->slots[i].id, id, 16) != 0)
		i = (i + 1) & (d->cap - 1);
	return &d->slots[i];
}

/*
 * Moves the entries still needed at now into a new table with room for
 * extra more (no table at all when nothing is left). Returns 0, or -1 when
 * memory runs out (the old table is kept).
 */
static int
rebuild(struct deny *d, int64_t now, size_t extra)
{
	struct deny_entry	*old = d->slots, *s;
	size_t			 oldcap = d->cap, live = 0, cap = DENY_MIN_SLOTS, i;

	for (i = 0; i < oldcap; i++)
		if (old[i].used && old[i].keep_until >= now)
			live++;
	while (cap < (live + extra) * 4)
		cap *= 2;
	if (live + extra == 0)
		cap = 0;
	else if ((d->slots = calloc(cap, sizeof(*d->slots))) == NULL) {
		d->slots = old;
		return -1;
	}
	d->cap = cap;
	d->n = 0;
	d->next_drop = INT64_MAX;
	for (i = 0; i < oldcap; i++) {
		if (!old[i].used || old[i].keep_until < now)
			continue;
		s = slot_of(d, old[i].id);
		*s = old[i];
		d->n++;
		if (s->keep_until < d->next_drop)
			d->next_drop = s->keep_until;
	}
	if (cap == 0)
		d->slots = NULL;
	free(old);
	return 0;
}

int
deny_add(struct deny *d, const char *sub, int64_t revoked_at, int64_t expires_at, int64_t now)
{
	struct deny_entry	*e;
	uint8_t			 id[16];
	int64_t			 keep = expires_at + d->leeway;

	if (uuid_parse(sub, id) == -1)
		return -1;
	/* Every token it would refuse has expired already. */
	if (keep < now)
		return 0;
	if (d->cap > 0 && (e = slot_of(d, id))->used) {
		if (revoked_at > e->revoked_at)
			e->revoked_at = revoked_at;
		if (keep > e->keep_until)
			e->keep_until = keep;
		return 0;
	}
	if ((d->n + 1) * 2 > d->cap && rebuild(d, now, 1) == -1)
		return -1;
	e = slot_of(d, id);
	memcpy(e->id, id, 16);
	e->used = true;
	e->revoked_at = revoked_at;
	e->keep_until = keep;
	d->n++;
	if (keep < d->next_drop)
		d->next_drop = keep;
	return 0;
}

bool
deny_revoked(struct deny *d, const char *sub, int64_t iat, int64_t now)
{
	struct deny_entry	*e;
	uint8_t			 id[16];

	if (d->n == 0)
		return false;
	if (now > d->next_drop && rebuild(d, now, 0) == 0 && d->n == 0)
		return false;
	if (uuid_parse(sub, id) == -1)
		return false;
	e = slot_of(d, id);
	return e->used && iat <= e->revoked_at;
}
