/*
 * bound: runs a pure function in a child process under a CPU limit and a
 * wall-clock deadline, and collects what it writes.
 *
 * For work whose cost a client's input decides and no library bounds
 * (cmark 0.30.2 is quadratic on some inputs): the child can be killed at
 * any moment without leaving anything half-done in the caller, which a
 * signal or longjmp out of the library could not promise.
 */
#ifndef QUIRE_BOUND_H
#define QUIRE_BOUND_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum bound_result {
	BOUND_OK,	/* the function returned 0 in time; out holds what it wrote */
	BOUND_OVER,	/* killed at the deadline or by the CPU limit */
	BOUND_FAILED	/* no child, or it failed or died otherwise; err says why */
};

/*
 * Runs in the child: appends its result to out and returns 0, or -1. It may
 * leak (the child ends with _exit) but must not touch the caller's sockets,
 * database connection or files.
 */
typedef int (*bound_fn)(void *arg, struct buf *out);

/*
 * Runs fn(arg) in a forked child given budget_ms milliseconds of wall-clock
 * time (and as many CPU seconds, rounded up), and puts what it produced in
 * out (empty on entry; emptied again unless BOUND_OK). The child is killed
 * and reaped at the deadline: nothing is left behind. Returns BOUND_OK,
 * BOUND_OVER, or BOUND_FAILED with err set.
 */
enum bound_result bound_run(bound_fn fn, void *arg, int64_t budget_ms, struct buf *out,
		    char *err, size_t errlen);

#endif
