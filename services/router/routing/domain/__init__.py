"""Pure routing choice: rules, account match, availability, weighted rotation, the explained decision."""
