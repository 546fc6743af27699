"""CRM connectors: the routed lead's owner set in HubSpot and Salesforce, their activity read back."""
