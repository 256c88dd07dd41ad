"""Pure assessment rules: no I/O, no framework imports."""
