"""The requests feature's Discord side."""
