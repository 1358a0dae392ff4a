"""Events: conferences, meetups, webinars, sprints and hackathons, as data and calendars."""
