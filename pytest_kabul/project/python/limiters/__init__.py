"""limiters."""
