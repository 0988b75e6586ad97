"""Engagement: the month's figures behind the App Home's "this month at a glance" and the monthly engagement
report. :mod:`.month` (periods), :mod:`.figures` (gathering the figures from each feature's services),
:mod:`.format` (units, percent, dates), :mod:`.visuals` (charts), :mod:`.page` (the self-contained HTML page),
:mod:`.report` (putting it together, and the Slack summary). See docs/report.md.
"""
