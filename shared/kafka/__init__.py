"""Kafka mechanics every service shares.

- `producer`: the broker factory with safe defaults and the outbox relay's record sender
- `dead_letters`: parking records that can never be processed
- `offsets`: committing offsets of processed batches, in the background
- `subscription`: feeding batches to an EventConsumer, acknowledging only after success
- `faststream_compat`: the patches on faststream internals, checked against the pinned version
- `security`: TLS and SASL options; `partitions`: reading a topic's partitions (replay)
"""
