"""What both teams watch: SLA and funnel figures, commitments, metrics and the /ui/ dashboard. Reads, never read."""
