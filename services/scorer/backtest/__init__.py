"""Backtests: a draft agreement replayed over stored history, compared with the active one."""
