"""Assessment: unified scoring of responsible units (link 5 of the loop)."""
