"""Pure deadline rules: no I/O, no framework imports."""
