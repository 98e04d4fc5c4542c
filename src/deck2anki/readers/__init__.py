"""Readers: each turns the text (or bytes) of one source into a Deck, reporting every problem."""
