"""A deck project, ``sources/`` to ``build/``: finding and reading sources, deciding what is
stale, one deck's rebuild, the whole build and the check."""
