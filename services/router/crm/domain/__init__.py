"""Pure rules of CRM activities: which follow-up statuses they mean and what supersedes what."""
