"""Prometheus metrics every service exports on /metrics, labelled by service."""

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_IN = Counter(
    "hotline_messages_in_total", "Records read from Kafka", ["service", "topic", "outcome"]
)
MESSAGES_OUT = Counter("hotline_messages_out_total", "Events published by the outbox relay", ["service", "topic"])
DEAD_LETTERS = Counter("hotline_dead_letters_total", "Records parked on the dead-letter topic", ["service", "topic"])
HANDLER_ERRORS = Counter("hotline_handler_errors_total", "Batches that failed and will be retried", ["service"])
BATCH_SECONDS = Histogram(
    "hotline_batch_seconds",
    "Time to apply one consumed batch (decode, database transaction, dead letters)",
    ["service"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CONSUMER_LAG = Gauge(
    "hotline_consumer_lag", "Records behind the partition's end after the last batch", ["service", "topic", "partition"]
)
OPEN_DEADLINES = Gauge(
    "hotline_open_deadlines", "Deadlines not yet stopped, by supervision level", ["service", "level"]
)
INBOX_PRUNED = Counter(
    "hotline_inbox_pruned_total", "Inbox rows deleted by retention (HOTLINE_INBOX_RETENTION_DAYS)", ["service"]
)
OUTBOX_BACKLOG = Gauge("hotline_outbox_backlog", "Outbox rows seen waiting by the relay", ["service"])
HTTP_SECONDS = Histogram(
    "hotline_http_request_seconds", "HTTP request latency", ["service", "method", "route", "status"]
)
EVENT_LOOP_LAG = Histogram(
    "hotline_event_loop_lag_seconds",
    "How late the event loop ran a timer due every 100 ms: how long everything in the service "
    "(consumers, relay, requests) waited for a long step or a garbage collection",
    ["service"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
BACKGROUND_STEPS = Counter(
    "hotline_background_steps_total",
    "Steps of a background task (outbox relay, pruning, pollers), by outcome: a rising `failed` "
    "with no `ok` is a task waiting for the database or Kafka to come back",
    ["service", "task", "outcome"],
)
