"""Kiun (機運): a chat bot that builds DX momentum among a municipality's staff."""

__version__ = "0.1.0"
