/* srw/insert_bulk.h: the declarations of lib/insert_bulk.c (see srw.h) */
#ifndef SRW_INSERT_BULK_H
#define SRW_INSERT_BULK_H

#include "srw/insert.h"

/* ---- lib/insert_bulk.c: the writer's MariaDB bulk backend ------------- */

extern const srw_ins_backend srw_ins_backend_bulk;

#endif
