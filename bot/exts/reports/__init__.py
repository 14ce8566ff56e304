"""The reports feature's Discord side."""
