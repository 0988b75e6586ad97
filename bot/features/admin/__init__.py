"""``/kiun`` itself: help, the admin commands, schedules and the weekly plan."""
