"""SLA: time-limited completion and key supervision (links 3 and 4 of the loop)."""
