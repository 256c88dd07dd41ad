"""The event contracts between services: envelope, payloads, topics and vocabulary."""
