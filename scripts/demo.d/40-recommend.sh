# The day's alerts summarised per alert name: severity, what to do, noise.
# Reads the sample rows stored by the 10-sr-insert step (2026-03-10).
step "Recommendations for 2026-03-10: recommend 2026-03-10 --format text"
show "recommend 2026-03-10 --format text"
show "recommend 2026-03-10 | sr-insert -t alerts.alert_recommendations --replace-key date"
sql "SELECT date, alert_name, severity, fired, resolved, cluster_count, noisy FROM alerts.alert_recommendations WHERE date = '2026-03-10' ORDER BY alert_name"
