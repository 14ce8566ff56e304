"""The support feature's Discord side."""
