"""Local stand-ins for the services kiun talks to: Slack's Web API and an OpenAI-compatible API."""
