"""The renewals feature's Discord side."""
