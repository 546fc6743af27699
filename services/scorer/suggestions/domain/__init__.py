"""Pure parts of a suggestion: features, model, points, thresholds, report."""
