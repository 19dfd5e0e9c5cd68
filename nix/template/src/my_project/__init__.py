"""my-project."""
