"""Operations: the `hotline` command line and the local Kafka + PostgreSQL stack."""
