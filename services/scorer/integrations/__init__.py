"""Inbound adapters' pure half: each tool's payload mapped into engagement events, and its signature checked."""
