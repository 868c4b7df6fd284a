/* srw/time.h: the declarations of lib/time.c (see srw.h) */
#ifndef SRW_TIME_H
#define SRW_TIME_H

#include "srw/base.h"

/* ---- lib/time.c: UTC strings, epoch ms, RFC 3339, Pacific days -------- */

int64_t srw_now_ms(void);
/* Parses "YYYY-MM-DD HH:MM:SS[.fff]" (UTC), RFC 3339 ("…T…[.fff](Z|±HH:MM)"),
 * "YYYY-MM-DD" (UTC midnight), or epoch seconds/milliseconds (integers of
 * 12+ digits are ms).  Returns 0 and sets *ms, or -1. */
int srw_time_parse(const char *s, int64_t *ms);
/* Strict SQL form only: "YYYY-MM-DD HH:MM:SS". */
int srw_time_parse_sql(const char *s, int64_t *ms);
/* "YYYY-MM-DD HH:MM:SS" in UTC; buf at least 20 bytes. */
char *srw_time_fmt_sql(int64_t ms, char *buf);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (".mmm" only if non-zero); buf >= 32. */
char *srw_time_fmt_rfc3339(int64_t ms, char *buf);
/* Days since 1970-01-01 for a civil date and back (proleptic Gregorian). */
int64_t srw_days_from_civil(int y, int m, int d);
void srw_civil_from_days(int64_t z, int *y, int *m, int *d);
/* "YYYY-MM-DD" -> y/m/d with validation. */
/* Shaped like "YYYY-MM-DD" (digits and dashes), valid or not: an operand
 * that looks like a date is a date, and a bad one an invalid date. */
bool srw_date_like(const char *s);
int srw_date_parse(const char *s, int *y, int *m, int *d);
/* America/Los_Angeles: offset from UTC in seconds at instant ms (-28800 or
 * -25200), by the US rules in force since 2007. */
int srw_pacific_offset(int64_t ms);
/* The half-open UTC window [start, end) in ms of a Pacific calendar day:
 * 24 h, or 23 h / 25 h on DST days. */
void srw_pacific_day(int y, int m, int d, int64_t *start, int64_t *end);
/* The Pacific date ("YYYY-MM-DD", buf >= 11) that instant ms falls on. */
char *srw_pacific_date(int64_t ms, char *buf);
/* Pacific date days before/after the one containing ms (0 today, -1 yesterday). */
void srw_pacific_date_rel(int64_t ms, int delta_days, int *y, int *m, int *d);

#endif
