"""The returns policy: load and validate a brand's TOML, and decide a case with a trace."""
