"""Assessment HTTP API: scores, drill-down, admin, dashboard."""
