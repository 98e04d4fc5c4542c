"""Which note in a student's collection a card is: GUIDs (and relinking notes whose question was
reworded), modification times, and the lock file that remembers both between builds."""
