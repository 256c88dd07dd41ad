"""Pure dispatch rules: no I/O, no framework imports."""
