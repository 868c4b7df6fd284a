/* srw/alerttypes.h: the declarations of lib/alerttypes.c (see srw.h) */
#ifndef SRW_ALERTTYPES_H
#define SRW_ALERTTYPES_H

#include "srw/base.h"

/* ---- lib/alerttypes.c: the known StarRocks alert types ----------------- */
/*
 * The severity and advice table recommend prints, and that score and
 * group-issues use for severities and classes.  Lookup is by exact alert
 * name; unknown names get NULL (callers decide: recommend says Unknown,
 * score counts Warning, group-issues says FAILURE).
 */
enum srw_severity { SRW_SEV_UNKNOWN, SRW_SEV_INFO, SRW_SEV_WARNING, SRW_SEV_CRITICAL };
enum srw_alert_class { SRW_CLASS_FAILURE, SRW_CLASS_ANOMALY };

typedef struct srw_alert_type {
	const char *name;
	enum srw_severity severity;
	enum srw_alert_class cls;
	const char *summary;		/* what it means, one line */
	const char *recommendation;	/* what to do, specific */
} srw_alert_type;

const srw_alert_type *srw_alert_type_find(const char *name);
const srw_alert_type *srw_alert_types(size_t *n);	/* the whole table */
const char *srw_severity_name(enum srw_severity s);	/* "Critical", … "Unknown" */
/* "Critical", "Warning" or "Info" in any case: 0 and *sev, or -1. */
int srw_severity_parse(const char *s, enum srw_severity *sev);
/* The class of an alert name: the table's, else by the words of the name
 * (*TooHigh*, *UsageHigh*, *LessThan* ... are anomalies; *Abnormal*,
 * *Failed*, *NotRunning* failures), else FAILURE with *known false. */
enum srw_alert_class srw_alert_class_of(const char *name, bool *known);
const char *srw_alert_class_name(enum srw_alert_class c);	/* "ANOMALY", "FAILURE" */

#endif
