"""Suggestions (issue #19): a lead definition learned from won and lost leads, proposed as a draft."""
