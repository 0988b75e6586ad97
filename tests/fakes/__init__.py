"""Local stand-ins for the services kiun talks to: Slack's Web API, an OpenAI-compatible API, and Teams' Bot
Framework token signing, Entra ID token endpoint and Bot Connector API."""
