"""Slack: slack-bolt over Socket Mode or HTTP; Block Kit replies, the Web API transport and directory."""
