/* nitems: the number of elements of an array (as OpenBSD's <sys/param.h>). */
#ifndef QUIRE_NITEMS_H
#define QUIRE_NITEMS_H

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#endif
