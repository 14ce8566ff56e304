"""The web panel feature's Discord side (the panel itself is bot/web)."""
