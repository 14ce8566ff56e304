"""The admin feature's Discord side."""
