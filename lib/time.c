/* time.c - UTC strings, epoch milliseconds, RFC 3339, Pacific calendar days.
 *
 * Pacific time is computed from the US rules in force since 2007 rather
 * than from the system's tz database: every machine gives the same windows,
 * and no tool has to touch TZ.  DST starts the second Sunday of March at
 * 02:00 PST (10:00 UTC) and ends the first Sunday of November at 02:00 PDT
 * (09:00 UTC). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srw.h"

#define DAY_MS 86400000LL
#define HOUR_MS 3600000LL

int64_t
srw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Howard Hinnant's days_from_civil. */
int64_t
srw_days_from_civil(int y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (unsigned)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (unsigned)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
srw_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int
mdays(int y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return n[m - 1];
}

static int
digits(const char **sp, int n, int *out)
{
	const char *s = *sp;
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*sp = s + n;
	*out = v;
	return 0;
}

int
srw_date_parse(const char *s, int *y, int *m, int *d)
{
	if (digits(&s, 4, y) || *s++ != '-' || digits(&s, 2, m) ||
	    *s++ != '-' || digits(&s, 2, d) || *s)
		return -1;
	if (*m < 1 || *m > 12 || *d < 1 || *d > mdays(*y, *m))
		return -1;
	return 0;
}

bool
srw_date_like(const char *s)
{
	int y, m, d;

	return !digits(&s, 4, &y) && *s++ == '-' && !digits(&s, 2, &m) &&
	    *s++ == '-' && !digits(&s, 2, &d) && !*s;
}

/* Parses date, optional time, fraction and zone.  sql_only: exactly
 * "YYYY-MM-DD HH:MM:SS". */
static int
parse_ts(const char *s, int64_t *ms, bool sql_only)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, fracdig = 0;
	int64_t off = 0;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) ||
	    *s++ != '-' || digits(&s, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo))
		return -1;
	if (*s == '\0') {
		if (sql_only)
			return -1;
		goto done;
	}
	if (*s != ' ' && *s != 'T' && *s != 't')
		return -1;
	if (sql_only && *s != ' ')
		return -1;
	s++;
	if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi))
		return -1;
	if (*s == ':') {
		s++;
		if (digits(&s, 2, &sec))
			return -1;
	} else if (sql_only) {
		return -1;
	}
	if (h > 23 || mi > 59 || sec > 60)
		return -1;
	if (*s == '.' && !sql_only) {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			if (fracdig < 3) {
				frac = frac * 10 + (*s - '0');
				fracdig++;
			}
			s++;
		}
		while (fracdig < 3) {
			frac *= 10;
			fracdig++;
		}
	}
	if (sql_only) {
		if (*s)
			return -1;
		goto done;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s++ == '-' ? -1 : 1, oh, om = 0;

		if (digits(&s, 2, &oh))
			return -1;
		if (*s == ':')
			s++;
		if (*s && digits(&s, 2, &om))
			return -1;
		if (oh > 23 || om > 59)
			return -1;
		off = sign * ((int64_t)oh * 3600 + om * 60);
	}
	if (*s)
		return -1;
done:
	*ms = (srw_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off) *
	    1000 + frac;
	return 0;
}

int
srw_time_parse(const char *s, int64_t *ms)
{
	const char *p;
	char *end;
	long long v;

	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	for (p = s; isdigit((unsigned char)*p); p++)
		;
	if (p > s && *p == '\0') {
		v = strtoll(s, &end, 10);
		*ms = (p - s) >= 12 ? v : v * 1000;
		return 0;
	}
	if (p > s && *p == '.' && (p - s) < 12) {	/* fractional epoch seconds */
		double dv = strtod(s, &end);

		if (*end)
			return -1;
		*ms = (int64_t)(dv * 1000.0 + 0.5);
		return 0;
	}
	return parse_ts(s, ms, false);
}

int
srw_time_parse_sql(const char *s, int64_t *ms)
{
	return parse_ts(s, ms, true);
}

static void
split_ms(int64_t ms, int64_t *days, int *h, int *mi, int *s, int *frac)
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int64_t rem;

	*frac = (int)(ms - secs * 1000);
	*days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	rem = secs - *days * 86400;
	*h = (int)(rem / 3600);
	*mi = (int)(rem % 3600 / 60);
	*s = (int)(rem % 60);
}

char *
srw_time_fmt_sql(int64_t ms, char *buf)
{
	int64_t days;
	int y, mo, d, h, mi, s, frac;

	split_ms(ms, &days, &h, &mi, &s, &frac);
	srw_civil_from_days(days, &y, &mo, &d);
	char tmp[64];

	snprintf(tmp, sizeof tmp, "%04d-%02d-%02d %02d:%02d:%02d", y % 10000, mo, d, h, mi, s);
	memcpy(buf, tmp, 19);
	buf[19] = '\0';
	return buf;
}

char *
srw_time_fmt_rfc3339(int64_t ms, char *buf)
{
	int64_t days;
	int y, mo, d, h, mi, s, frac;

	split_ms(ms, &days, &h, &mi, &s, &frac);
	srw_civil_from_days(days, &y, &mo, &d);
	char tmp[96];

	if (frac)
		snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y % 10000, mo, d,
		    h, mi, s, frac);
	else
		snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", y % 10000, mo, d, h,
		    mi, s);
	snprintf(buf, 32, "%.31s", tmp);
	return buf;
}

/* Day number of the n-th Sunday (n >= 1) of month m in year y. */
static int64_t
nth_sunday(int y, int m, int n)
{
	int64_t first = srw_days_from_civil(y, m, 1);
	/* 1970-01-01 was a Thursday: weekday 0 = Sunday -> (days + 4) % 7 */
	int wd = (int)(((first + 4) % 7 + 7) % 7);
	int64_t sunday = first + (7 - wd) % 7;

	return sunday + 7 * (n - 1);
}

int
srw_pacific_offset(int64_t ms)
{
	int64_t days = ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
	int y, m, d;
	int64_t start, end;

	srw_civil_from_days(days, &y, &m, &d);
	start = nth_sunday(y, 3, 2) * DAY_MS + 10 * HOUR_MS;	/* 02:00 PST */
	end = nth_sunday(y, 11, 1) * DAY_MS + 9 * HOUR_MS;	/* 02:00 PDT */
	return ms >= start && ms < end ? -7 * 3600 : -8 * 3600;
}

/* UTC instant of local midnight starting day z (days since epoch). Local
 * midnight is never inside a transition (those happen at 02:00). */
static int64_t
pacific_midnight(int64_t z)
{
	int64_t guess = z * DAY_MS + 8 * HOUR_MS;	/* as if PST */
	int off = srw_pacific_offset(guess - HOUR_MS);

	return z * DAY_MS - (int64_t)off * 1000;
}

void
srw_pacific_day(int y, int m, int d, int64_t *start, int64_t *end)
{
	int64_t z = srw_days_from_civil(y, m, d);

	*start = pacific_midnight(z);
	*end = pacific_midnight(z + 1);
}

void
srw_pacific_date_rel(int64_t ms, int delta, int *y, int *m, int *d)
{
	int64_t local = ms + (int64_t)srw_pacific_offset(ms) * 1000;
	int64_t z = local >= 0 ? local / DAY_MS : -((-local + DAY_MS - 1) / DAY_MS);

	srw_civil_from_days(z + delta, y, m, d);
}

char *
srw_pacific_date(int64_t ms, char *buf)
{
	int y, m, d;

	srw_pacific_date_rel(ms, 0, &y, &m, &d);
	char tmp[64];

	snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y % 10000, m, d);
	memcpy(buf, tmp, 10);
	buf[10] = '\0';
	return buf;
}
