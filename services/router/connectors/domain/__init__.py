"""Pure connector rules: mappings, the CRM requests a routed lead makes, inbound events read."""
