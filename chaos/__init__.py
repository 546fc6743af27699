"""The chaos harness (`make chaos`): load, faults, and checks that nothing was lost or doubled."""
