"""The referrals feature's Discord side."""
