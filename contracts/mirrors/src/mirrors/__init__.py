"""The registry's facts as the services that consume them keep them: the org tree (`treemirror`), the org facts
(`factmirror`: headcounts, posts, trainings, budgets) and the walk of a subtree (`tree`). They live beside the
registry's contracts, not in the kit, because they are shaped by that context (DESIGN.md §6)."""
