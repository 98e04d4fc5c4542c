"""One note from read to shown: prepare it (split the analogy off the answer, lint it), render
its fields to HTML (and back), and the note types whose fields and card templates show it."""
