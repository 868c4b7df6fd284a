# vary.awk - turns the sample fe.prom/be.prom into scrape number i of a
# demo cluster: counters advance by i five-minute steps at the cluster's
# rates, gauges take the cluster's levels.  Used by scripts/demo.d/50-metrics.sh.
#   awk -v i=3 -v cpu=62 -v heap=40 -v disk=88 -v err=0.05 -v p99=4000 \
#       -v compact=120 -f vary.awk fe.prom
function setv(v) { $NF = v; print; next }
/^#/ { print; next }
/^starrocks_be_cpu\{mode="idle"\}/ { setv($NF + i * 1000 * (100 - cpu)) }
/^starrocks_be_cpu\{mode="user"\}/ { setv($NF + i * 1000 * cpu) }
/^jvm_heap_size_bytes\{type="used"\}/ { setv(sprintf("%.0f", 8589934592 * heap / 100)) }
/^starrocks_be_disks_avail_capacity\{path="\/data1\/storage"\}/ { setv(sprintf("%.0f", 1073741824000 * (100 - disk) / 100)) }
/^starrocks_fe_query_total / { setv($NF + i * 4000) }
/^starrocks_fe_query_err / { setv($NF + i * 4000 * err / 100) }
/^starrocks_fe_query_latency_ms\{quantile="0.99"\}/ { setv(p99) }
/^starrocks_fe_max_tablet_compaction_score / { setv(compact) }
{ print }
