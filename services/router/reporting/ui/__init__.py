"""The read-only dashboard at /ui/: server-rendered HTML over the report functions the API uses."""
