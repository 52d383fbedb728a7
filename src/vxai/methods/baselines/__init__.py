"""Maps that explain nothing, scored like the methods to give their numbers a scale."""
