"""The builders of the sample atlas in data/ (run by scripts/build-atlas)."""
