"""Routing's use cases: dispatch, units' actions, operators' decisions, feedback from other services."""
