/*
 * alerttypes.c - the known StarRocks alert types: severity, class (an
 * ongoing ANOMALY or a discrete FAILURE event), what each means and what an
 * operator should do.  recommend prints this table; score and group-issues
 * take severities and classes from it.  Names are the alert names as the
 * alerting rules send them (exact, case-sensitive).
 */
#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "srw.h"

#define C SRW_SEV_CRITICAL
#define W SRW_SEV_WARNING
#define I SRW_SEV_INFO
#define F SRW_CLASS_FAILURE
#define A SRW_CLASS_ANOMALY

static const srw_alert_type types[] = {
	/* Critical */
	{ "ProcNotRunning", C, F,
	  "A StarRocks process (FE, BE or CN) is not running on a node.",
	  "Check the node's process list and the last lines of fe.out/be.out and "
	  "dmesg for an OOM kill or crash; restart the process with the "
	  "supervisor, and open a ticket with the core or stack if it crashed." },
	{ "BeAliveAbnormal", C, F,
	  "A BE stopped sending heartbeats to the FE leader (Alive=false).",
	  "Run SHOW BACKENDS to see which BE is down and its ErrMsg; check be.out "
	  "for a crash or OOM and the host for disk or network failure; restart "
	  "the BE, then watch tablet repair (SHOW PROC '/statistic')." },
	{ "ClusterStateAbnormal", C, F,
	  "The cluster's overall state check failed (FE quorum, leader or "
	  "service unavailable).",
	  "Run SHOW FRONTENDS: confirm there is one leader and a quorum of "
	  "followers alive; check fe.log for BDBJE election errors and clock "
	  "skew; fail over or restart the stuck FE before touching BEs." },
	{ "FEQueryErrRateMoreThan60%", C, A,
	  "More than 60% of queries on the FE failed in the evaluation window.",
	  "Look at fe.audit.log for the failing statements and their error "
	  "codes; if one tenant or query shape dominates, kill or block it; if "
	  "all fail, check BE liveness and memory limits (errors -235, "
	  "MEM_LIMIT_EXCEEDED)." },
	{ "CNAliveAbnormal", C, F,
	  "A compute node (CN) stopped sending heartbeats to the FE leader.",
	  "Run SHOW COMPUTE NODES for the node's ErrMsg; check cn.out for a "
	  "crash or OOM and the pod or host events; restart or replace the CN "
	  "and check the warehouse still has enough nodes for its queries." },

	/* Warning */
	{ "FEHeapUsageTooHigh", W, A,
	  "FE JVM heap usage is above the threshold (typically 90%).",
	  "Check the number of tablets, partitions and running loads on the FE "
	  "(SHOW PROC '/statistic'); drop unused partitions or raise -Xmx in "
	  "fe.conf JAVA_OPTS; take a jmap histogram before restarting if it "
	  "keeps climbing." },
	{ "FEMaxTabletCompaction", W, A,
	  "The highest tablet compaction score seen by the FE is high: data "
	  "versions pile up faster than compaction merges them.",
	  "Find the tablets with SHOW PROC '/compactions' or the "
	  "be_tablet_max_compaction_score metric; batch small loads (bigger, "
	  "fewer loads), and raise compaction threads on the BEs if they are "
	  "idle." },
	{ "RootFreeDiskLessThan10%", W, A,
	  "The root filesystem of a node has less than 10% free space.",
	  "Find what grows on / (du -x; usually logs, core files or a "
	  "misplaced storage_root_path); clean old fe.log/be.INFO files and set "
	  "sys_log_roll_num; move data off the root volume." },
	{ "FEGCCount", W, A,
	  "The FE JVM runs garbage collection too often (old-gen GC count over "
	  "the threshold).",
	  "Read fe.gc.log for full GCs and their pause times; treat like high "
	  "heap usage (fewer tablets, more -Xmx), and look for a query or "
	  "metadata operation that allocates heavily at the same time." },
	{ "HeapUsageTooHigh", W, A,
	  "BE or CN process memory is close to its mem_limit.",
	  "Check the BE memory tracker (/mem_tracker on port 8040) for the "
	  "consumer (query, load, compaction, page cache); cap big queries with "
	  "query_mem_limit or resource groups, or reduce the data cache size." },
	{ "OperationAbnormal", W, F,
	  "A platform operation on the cluster (upgrade, scaling, restart, "
	  "config change) failed.",
	  "Open the operation's log in the console: find the step that failed "
	  "and whether the cluster was left half-changed; retry the operation "
	  "or roll it back before the next change window." },
	{ "BEDiskUsageHigh", W, A,
	  "A BE data disk (storage_root_path) is above 85% used.",
	  "Check per-disk usage with SHOW PROC '/backends'; drop or shorten the "
	  "TTL of large partitions, clean the trash (ADMIN CLEAN TRASH), and "
	  "add disks or BEs before usage passes the flood stage (95%)." },
	{ "TabletMaxRowsetNumHigh", W, A,
	  "A tablet has too many rowsets (versions); loads are close to being "
	  "refused with \"too many versions\" (-235).",
	  "Identify the table from the tablet id (SHOW TABLET id); slow down or "
	  "batch its loads (larger intervals for Routine Load and Flink), and "
	  "check that compaction keeps up on its BEs." },
	{ "BECompactionFailed", W, F,
	  "Compaction tasks on a BE are failing.",
	  "Grep be.WARNING for the compaction errors and the tablet ids; a "
	  "corrupted tablet can be set bad (ADMIN SET REPLICA STATUS) so it is "
	  "repaired from its replicas; disk errors need the disk replaced." },
	{ "LoadJobFailed", W, F,
	  "Load jobs (Stream, Broker, Routine or INSERT) are failing.",
	  "Open the job's ErrorURL or SHOW LOAD/SHOW ROUTINE LOAD for the "
	  "reason: bad data (fix the source or max_filter_ratio), timeouts "
	  "(more parallelism or smaller batches) or too many versions "
	  "(see TabletMaxRowsetNumHigh)." },
	{ "TxnPublishTimeout", W, F,
	  "Load transactions commit but their publish does not finish in time, "
	  "so new data is not yet visible.",
	  "Check SHOW PROC '/transactions' for stuck publish tasks and the BEs "
	  "that hold them; slow or down BEs and a high compaction score are the "
	  "usual causes; data becomes visible once publish completes." },
	{ "MVRefreshFailed", W, F,
	  "An asynchronous materialized view refresh failed.",
	  "Query information_schema.task_runs for the MV's last runs and "
	  "ERROR_MESSAGE; fix the base table or the MV definition, raise the "
	  "refresh timeout or memory for large partitions, then run REFRESH "
	  "MATERIALIZED VIEW by hand." },
	{ "QueryLatencyP99High", W, A,
	  "The 99th percentile query latency is above the threshold.",
	  "Find the slow statements in fe.audit.log (sort by Time) and their "
	  "profiles; check for skewed or missing partitions, stale statistics "
	  "(ANALYZE TABLE) and concurrent heavy loads or compaction." },
	{ "FECheckpointLag", W, A,
	  "The FE leader has not made a metadata image for too long; the BDBJE "
	  "journal keeps growing.",
	  "Check fe.log on the leader for checkpoint errors (often not enough "
	  "heap to write the image) and that meta/image has fresh files; give "
	  "the FE more heap, and do not restart FEs until an image is written." },

	/* Info */
	{ "OperationDurationGT10m", I, A,
	  "A platform operation on the cluster has been running for more than "
	  "10 minutes.",
	  "Usually a large scale-out or a rolling restart waiting for tablet "
	  "balance; check the operation's current step, and escalate only if "
	  "it makes no progress for 30 minutes." },
	{ "OperationDurationGT", I, A,
	  "A platform operation on the cluster is taking longer than its "
	  "expected duration.",
	  "Check the operation's current step and whether it waits on the "
	  "cluster (decommission, balance, image upload); no action while it "
	  "progresses, investigate if the same step repeats." },
};

#undef C
#undef W
#undef I
#undef F
#undef A

const srw_alert_type *
srw_alert_types(size_t *n)
{
	if (n)
		*n = sizeof types / sizeof types[0];
	return types;
}

const srw_alert_type *
srw_alert_type_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

/* Classes for names the table does not list, by the words StarRocks alert
 * names are made of: a metric past a line is an anomaly to watch, a thing
 * down or failing is a failure. */
static const struct {
	const char *glob;
	enum srw_alert_class cls;
} by_words[] = {
	{ "OperationDurationGT*", SRW_CLASS_ANOMALY },
	{ "*TooHigh*", SRW_CLASS_ANOMALY },
	{ "*UsageHigh*", SRW_CLASS_ANOMALY },
	{ "*LessThan*", SRW_CLASS_ANOMALY },
	{ "*MoreThan*", SRW_CLASS_ANOMALY },
	{ "*Compaction", SRW_CLASS_ANOMALY },
	{ "*GCCount*", SRW_CLASS_ANOMALY },
	{ "*Abnormal*", SRW_CLASS_FAILURE },
	{ "*Failed*", SRW_CLASS_FAILURE },
	{ "*NotRunning*", SRW_CLASS_FAILURE },
};

enum srw_alert_class
srw_alert_class_of(const char *name, bool *known)
{
	const srw_alert_type *t = srw_alert_type_find(name);
	size_t i;

	if (known)
		*known = true;
	if (t)
		return t->cls;
	for (i = 0; name && i < sizeof by_words / sizeof by_words[0]; i++)
		if (fnmatch(by_words[i].glob, name, 0) == 0)
			return by_words[i].cls;
	if (known)
		*known = false;
	return SRW_CLASS_FAILURE;
}

const char *
srw_alert_class_name(enum srw_alert_class c)
{
	return c == SRW_CLASS_ANOMALY ? "ANOMALY" : "FAILURE";
}

int
srw_severity_parse(const char *s, enum srw_severity *sev)
{
	static const enum srw_severity all[] = { SRW_SEV_CRITICAL, SRW_SEV_WARNING,
		SRW_SEV_INFO };
	size_t i;

	for (i = 0; s && i < sizeof all / sizeof all[0]; i++)
		if (strcasecmp(s, srw_severity_name(all[i])) == 0) {
			*sev = all[i];
			return 0;
		}
	return -1;
}

const char *
srw_severity_name(enum srw_severity s)
{
	switch (s) {
	case SRW_SEV_CRITICAL: return "Critical";
	case SRW_SEV_WARNING: return "Warning";
	case SRW_SEV_INFO: return "Info";
	default: return "Unknown";
	}
}
