"""Pure disclosure rules: no I/O, no framework imports."""
