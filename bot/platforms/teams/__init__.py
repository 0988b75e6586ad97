"""Microsoft Teams: the Teams SDK v2 app, Adaptive Cards, the Bot Connector transport and the app package."""

import warnings

# The SDK warns on import about a preview part kiun does not use (HTML widgets); keep kiun's stderr to its own lines.
warnings.filterwarnings("ignore", message=r".*is in preview and may change", module=r"microsoft_teams\..*")
