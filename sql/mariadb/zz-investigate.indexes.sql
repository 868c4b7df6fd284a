-- Secondary indexes for investigate's lookups on tables defined elsewhere
-- (named zz- so that it loads after them in any collation).
-- query_similar_clusters: the clusters of an account or of a StarRocks
-- version, at 10,000 clusters an index_merge instead of a scan per call.
CREATE INDEX IF NOT EXISTS idx_account ON ops.dim_customer_profile (account_name);
CREATE INDEX IF NOT EXISTS idx_version ON ops.dim_customer_profile (sr_version);
