"""Microsoft Teams: the Teams SDK v2 app, Adaptive Cards, the Bot Connector transport and the app package."""
