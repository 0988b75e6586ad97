"""Each person's home: Slack's App Home tab, a personal card elsewhere."""
