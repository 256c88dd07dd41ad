"""Routing: transfer by responsibility to the unit in charge (link 2 of the loop)."""
