"""Intake: single-point acceptance of appeals from every channel (link 1 of the loop)."""
