"""The five hotline services. Each imports `shared` and itself, never another service."""
