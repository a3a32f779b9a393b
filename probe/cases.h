#ifndef SW_PROBE_CASES_H
#define SW_PROBE_CASES_H

#include <stdbool.h>

/* How a case's outcome is judged. */
enum probe_judge {
	/* The protocol names the error: PASS when exactly it comes (interface and code). */
	JUDGE_ERROR,
	/* A sound request: PASS when the connection is still fine afterwards. */
	JUDGE_OK,
	/* Any error, ok, or a dropped connection is allowed; the compositor must stay sound. */
	JUDGE_SURVIVE,
	/* The protocol leaves it open: recorded as INFO (the after-case checks still judge). */
	JUDGE_INFO,
	/* The scenario checks the requirement itself ("check-failed: ..." lines). */
	JUDGE_SELF,
};

struct probe_case {
	const char *id;          /* family.group.name; --case globs match it */
	int (*entry)(int argc, char *argv[]);
	const char *scenario;    /* argv[1] of entry */
	const char *requirement; /* what the protocol or the kernel requires */
	enum probe_judge judge;
	const char *interfaces;  /* JUDGE_ERROR: the interfaces the error may name, '|' apart */
	int code;                /* JUDGE_ERROR: the code; -1: any (the protocol names none) */
	const char *needs;       /* a global the case needs, or NULL */
	const char *device;      /* a device node the case needs, or NULL */
	const char *env;         /* NAME=VALUE for the scenario, or NULL */
};

extern const struct probe_case probe_cases[];
extern const unsigned probe_case_count;

#endif
