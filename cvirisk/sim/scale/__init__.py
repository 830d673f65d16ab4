"""Scale-out machinery of the simulator: cohort sources, chunk summaries, collection of results."""
