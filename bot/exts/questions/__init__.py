"""The questions feature's Discord side."""
