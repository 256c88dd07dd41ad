"""Pure acceptance rules: no I/O, no framework imports."""
