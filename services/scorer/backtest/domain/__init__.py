"""Pure replay and comparison of lead histories under two agreement versions."""
