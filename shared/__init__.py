"""Contracts and infrastructure that every hotline service uses; imports no service."""
