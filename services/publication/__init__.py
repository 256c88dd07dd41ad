"""Publication: public disclosure, inquiry and feedback (link 6 of the loop)."""
