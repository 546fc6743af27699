"""Pure reporting arithmetic: windows, weeks, ratios and funnel stages."""
