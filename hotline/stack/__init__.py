"""The local stack: the real Apache Kafka broker and PostgreSQL server, no Docker needed."""
