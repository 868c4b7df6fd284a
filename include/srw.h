/*
 * srw.h - the umbrella header of libsrw, the library every srwatch tool
 * links (s6.h is the model): it only includes one header per concern,
 * include/srw/NAME.h for lib/NAME.c.  A tool may include this, or just the
 * headers it uses.  Structs whose layout is private stay opaque.
 */
#ifndef SRW_H
#define SRW_H

#include "srw/base.h"
#include "srw/log.h"
#include "srw/buf.h"
#include "srw/jw.h"
#include "srw/val.h"
#include "srw/ndjson.h"
#include "srw/json.h"
#include "srw/cfg.h"
#include "srw/opt.h"
#include "srw/time.h"
#include "srw/sha256.h"
#include "srw/http.h"
#include "srw/httpmulti.h"
#include "srw/listen.h"
#include "srw/sql.h"
#include "srw/table.h"
#include "srw/insert.h"
#include "srw/cell.h"
#include "srw/insert_text.h"
#include "srw/insert_bulk.h"
#include "srw/streamload.h"
#include "srw/hash.h"
#include "srw/strtab.h"
#include "srw/simdjson.h"
#include "srw/re.h"
#include "srw/alerts.h"
#include "srw/alerttypes.h"
#include "srw/card.h"
#include "srw/lark.h"
#include "srw/alertmanager.h"
#include "srw/points.h"
#include "srw/promtext.h"
#include "srw/rwtypes.h"
#include "srw/remotewrite.h"
#include "srw/rwpb.h"
#include "srw/mquery.h"
#include "srw/score.h"
#include "srw/issue.h"
#include "srw/issues.h"
#include "srw/sqlguard.h"
#include "srw/anthropic.h"
#include "srw/kb.h"
#include "srw/promql.h"
#include "srw/rules.h"
#include "srw/notify.h"
#include "srw/httpd.h"
#include "srw/durable.h"

#endif
