/* srw/insert_text.h: the declarations of lib/insert_text.c (see srw.h) */
#ifndef SRW_INSERT_TEXT_H
#define SRW_INSERT_TEXT_H

#include "srw/insert.h"

/* ---- lib/insert_text.c: the writer's INSERT … VALUES backend ---------- */

extern const srw_ins_backend srw_ins_backend_text;
/* "INSERT INTO `db`.`t` (`a`,`b`) VALUES " for the batch's columns, and the
 * MariaDB upsert tail (ON DUPLICATE KEY UPDATE on its non-key columns). */
void srw_ins_sql_prefix(const srw_ins_target *tg, const srw_ins_batch *bt, srw_buf *b);
void srw_ins_sql_suffix(const srw_ins_target *tg, const srw_ins_batch *bt, srw_buf *b);

#endif
