/* srw/cell.h: the declarations of lib/cell.c (see srw.h) */
#ifndef SRW_CELL_H
#define SRW_CELL_H

#include "srw/base.h"
#include "srw/buf.h"
#include "srw/val.h"
#include "srw/sql.h"
#include "srw/table.h"
#include "srw/insert.h"

/* ---- lib/cell.c: a value converted for its column --------------------- */

/* The cell for v in column c (strings appended to bytes, offsets into it),
 * or -1 with the reason.  str/slen: v's string when it holds NUL bytes
 * (NULL: srw_val_str is the whole string).  Lengths are checked in
 * characters on MariaDB and in bytes on StarRocks (dialect d). */
int srw_cell_convert(srw_cell *out, srw_buf *bytes, enum srw_dialect d, const srw_col *c,
    const srw_val *v, const char *str, size_t slen, char *reason, size_t rsz);

#endif
