"""Pure delivery rules: filters, URL checks, what counts as delivered, the retry policy."""
