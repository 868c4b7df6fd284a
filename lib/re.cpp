// re.cpp - the C shim over RE2 (Debian libre2) for PromQL's =~ and !~
// (include/srw/re.h): linear-time matching and a bounded compile, where
// glibc's regcomp took 725 MB for a++++++++++++++++++++ (issue 20.5).
#include <cstdio>
#include <new>
#include <string>

#include <re2/re2.h>

extern "C" {
#include "srw/re.h"
}

struct srw_re {
	RE2 re;

	srw_re(const std::string &p, const RE2::Options &o) : re(p, o) {}
};

extern "C" srw_re *
srw_re_new(const char *pattern, char *err, size_t errsz)
{
	RE2::Options o;
	srw_re *r;

	o.set_log_errors(false);
	o.set_max_mem(SRW_RE_MAX_MEM);
	o.set_never_capture(true);
	r = new (std::nothrow) srw_re("^(?:" + std::string(pattern) + ")$", o);
	if (!r) {
		std::snprintf(err, errsz, "out of memory");
		return nullptr;
	}
	if (!r->re.ok()) {
		std::snprintf(err, errsz, "%s", r->re.error().c_str());
		delete r;
		return nullptr;
	}
	return r;
}

extern "C" bool
srw_re_match(const srw_re *r, const char *s)
{
	return RE2::PartialMatch(s, r->re);
}

extern "C" void
srw_re_free(srw_re *r)
{
	delete r;
}
