"""Backend-specific tests (each needs its own server or library)."""
