"""Microsoft Teams: the app package (package.py, icons.py) and, beside it, the runtime."""
