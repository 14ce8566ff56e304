"""The general feature's Discord side."""
