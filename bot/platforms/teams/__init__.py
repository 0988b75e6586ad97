"""Microsoft Teams: neutral replies as Adaptive Cards 1.5, forms as dialogs (task modules)."""
