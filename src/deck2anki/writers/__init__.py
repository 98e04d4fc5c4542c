"""Writers: each turns a Deck into the bytes of one output file."""
