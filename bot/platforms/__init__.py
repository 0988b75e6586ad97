"""The platforms kiun speaks on: each turns its events into a Request and a Reply into its native form."""
