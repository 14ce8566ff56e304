"""The deals feature's Discord side."""
