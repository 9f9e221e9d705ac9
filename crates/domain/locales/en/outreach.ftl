# Outreach's lists of awards (the rest of outreach's messages are in en.ftl).

awards-title = Awards
awards-year = Year
awards-date = Awarded on
awards-award = Award
awards-person = Awarded to
awards-body = Awarding body
awards-event = Event
awards-at-event = The awards given at this event
awards-none = No award matches.
awards-counts = { $awards ->
    [one] { $awards } award
   *[other] { $awards } awards
} to { $people ->
    [one] { $people } person
   *[other] { $people } people
}
awards-teachers-awarded = { $people ->
    [one] { $people } teacher awarded
   *[other] { $people } teachers awarded
}
awards-link = Awards

kind-outreach = Outreach events
kind-awards = Awards
