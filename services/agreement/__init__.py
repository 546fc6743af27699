"""The shared kernel: the agreement both teams signed (document, text, active version) and the
company-domain rule. Both services read it; it imports neither."""
