/*
 * The circuit breaker in front of Media: after a run of failures Post stops
 * asking for a while, so that writes and reads never queue behind a dead
 * service. One per process; the time is passed in, so it is tested alone.
 */
#include "post.h"

/* Sets up a closed breaker. */
void
breaker_init(struct breaker *b, int threshold, int64_t interval)
{
	b->failures = 0;
	b->threshold = threshold;
	b->interval = interval;
	b->open_until = 0;
	b->trial = false;
}

/*
 * Returns whether a call may go out at now: always when closed; never while
 * open; once the interval has passed, one trial call at a time.
 */
bool
breaker_allow(struct breaker *b, int64_t now)
{
	if (b->open_until == 0)
		return true;
	if (now < b->open_until || b->trial)
		return false;
	b->trial = true;
	return true;
}

bool
breaker_ready(const struct breaker *b, int64_t now)
{
	return b->open_until == 0 || (now >= b->open_until && !b->trial);
}

/* Records an answer: the breaker closes. */
void
breaker_success(struct breaker *b)
{
	b->failures = 0;
	b->open_until = 0;
	b->trial = false;
}

/* Records a failure at now: it opens after threshold in a row, or after a failed trial. */
void
breaker_failure(struct breaker *b, int64_t now)
{
	if (b->failures < b->threshold)
		b->failures++;
	if (b->trial || b->failures >= b->threshold) {
		b->open_until = now + b->interval;
		b->trial = false;
	}
}
