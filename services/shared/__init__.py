"""Plumbing shared by both services: settings, database, Kafka, CloudEvents, inbox/outbox, HTTP."""
