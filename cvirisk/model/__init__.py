"""The disease model: feature vocabulary, states, and hazards built from parameters."""
