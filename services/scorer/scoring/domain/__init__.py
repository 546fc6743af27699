"""Pure scoring and lifecycle rules: no I/O, time passed in."""
