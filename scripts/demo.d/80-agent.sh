# sentinel and investigate: which clusters deserve a look as of the score
# step's snapshot (60-score.sh writes them with score --write), and a
# rule-based investigation of the most urgent one, for people.
agent_at="2026-03-10 19:05:00"
agent_n=$(mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" -N -B -e \
	"SELECT COUNT(*) FROM ops.cluster_risk_snapshots WHERE snapshot_at = '$agent_at'")
if [ "$agent_n" = 0 ]; then
	step "No risk snapshots from the score step: seeding two"
	mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" -e "
INSERT INTO ops.cluster_risk_snapshots (cluster_id, snapshot_at, score, risk_level, tier, top_factors) VALUES
 ('c-8f3a21', '2026-03-10 18:05:00', 71.0, 'Warning', 'A', 'disk 80% (warning)'),
 ('c-8f3a21', '$agent_at', 44.5, 'Critical', 'A', 'disk 91% (critical)'),
 ('c-77b0e4', '$agent_at', 68.2, 'Warning', 'S', 'heap 78% (critical)')
ON DUPLICATE KEY UPDATE score = VALUES(score)"
fi

step "The Knowledge Lake: investigate kb-load share/kb"
show "investigate kb-load $top/share/kb"
show "investigate search --format markdown --limit 3 'BE disk filling up'"

step "Which clusters deserve a look: sentinel --dry-run --now '$agent_at'"
show "sentinel --dry-run --now '$agent_at' | tee /tmp/srw-demo-tasks.\$\$ | cut -c1-160"

step "The most urgent one, investigated without a model (rules), for people"
show "head -1 /tmp/srw-demo-tasks.\$\$ | investigate --offline --now '$agent_at' --format markdown"
rm -f /tmp/srw-demo-tasks.$$
sql "SELECT task_id, cluster_id, model, severity, confidence, LEFT(root_cause, 70) AS root_cause FROM agent.investigations WHERE started_at = '$agent_at'"
unset agent_at agent_n
