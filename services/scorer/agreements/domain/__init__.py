"""Pure sign-off rules: who may approve and when a version may become active."""
