# Group the demo alerts (already in alerts.lark_alerts) into issues, store
# them in ops.issues, and look at them the way people on call do.
step "Grouping the day's alerts into issues: group-issues --write 2026-03-10"
show "group-issues --write -v 2026-03-10"
show "group-issues --write -v 2026-03-10   # again: alerts already attached are skipped"
show "group-issues list"
step "Triage from the terminal"
gi_id=$(mariadb --no-defaults -uroot -S "$STARROCKS_SOCKET" -N -B -e \
	"SELECT issue_id FROM ops.issues WHERE issue_status = 'Ongoing' AND triage_status = 'New' ORDER BY first_seen, issue_id LIMIT 1")
if [ -n "$gi_id" ]; then
	show "group-issues triage $gi_id Acknowledged --by demo --note 'looking at it'"
	show "group-issues show $gi_id"
fi
