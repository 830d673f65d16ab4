"""Pages of the cvirisk dashboard; each module exposes ``render(settings)`` and lays out only."""
