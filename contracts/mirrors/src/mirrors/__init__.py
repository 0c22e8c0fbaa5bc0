"""Other contexts' facts as the services that consume them keep them: the registry's org tree (`treemirror`), its org
facts (`factmirror`: headcounts, posts, trainings, budgets), its membership records (`membership`: where a person
belongs today) and the walk of a subtree (`tree`); and the contacts
context's contact points (`contactpoints`: kind and consent, never the address). They live beside those contexts'
contracts, not in the kit, because they are shaped by those contexts (DESIGN.md §6)."""
