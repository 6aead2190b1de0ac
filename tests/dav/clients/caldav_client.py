"""Drives the server with Debian's python3-caldav, as a user's script would.

Usage: caldav_client.py URL USER PASSWORD
Prints one line per step ("ok <step>") and exits non-zero at the first surprise."""
import datetime
import sys

import caldav

url, user, password = sys.argv[1:4]
client = caldav.DAVClient(url=url, username=user, password=password)
principal = client.principal()
print("ok principal", principal.url)

calendars = principal.calendars()
names = sorted(c.name for c in calendars)
print("ok calendars", names)
assert "Agenda" in names, names

cal = principal.make_calendar(name="Conseils", cal_id="conseils")
print("ok make_calendar", cal.url)

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//python-caldav test//EN
BEGIN:VEVENT
UID:weekly-caldav@test
DTSTAMP:20260101T000000Z
DTSTART:20261005T070000Z
DTEND:20261005T080000Z
RRULE:FREQ=WEEKLY;COUNT=4
SUMMARY:Conseil de classe
END:VEVENT
END:VCALENDAR
"""
event = cal.save_event(EVENT)
print("ok save_event", event.url)

found = cal.date_search(start=datetime.datetime(2026, 10, 12, tzinfo=datetime.timezone.utc),
                        end=datetime.datetime(2026, 10, 13, tzinfo=datetime.timezone.utc))
assert len(found) == 1, found
print("ok date_search", len(found))
none = cal.date_search(start=datetime.datetime(2026, 11, 2, tzinfo=datetime.timezone.utc),
                       end=datetime.datetime(2026, 11, 3, tzinfo=datetime.timezone.utc))
assert len(none) == 0, none
print("ok date_search past COUNT", len(none))

expanded = cal.date_search(start=datetime.datetime(2026, 10, 1, tzinfo=datetime.timezone.utc),
                           end=datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc), expand=True)
# 0.11 keeps one object per resource, holding the expanded instances (later versions split them).
instances = sum(e.data.count("BEGIN:VEVENT") for e in expanded)
assert instances == 4 and all("RRULE" not in e.data for e in expanded), [e.data for e in expanded]
print("ok expand", instances)

again = cal.event_by_uid("weekly-caldav@test")
again.load()
assert "Conseil de classe" in again.data
again.data = again.data.replace("Conseil de classe", "Conseil modifié")
again.save()
assert "Conseil modifié" in cal.event_by_uid("weekly-caldav@test").data
print("ok edit")

todo = cal.save_todo("""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//python-caldav test//EN
BEGIN:VTODO
UID:todo-caldav@test
DTSTAMP:20260101T000000Z
SUMMARY:Corriger les copies
END:VTODO
END:VCALENDAR
""")
assert len(cal.todos()) == 1
print("ok todo")

objects = cal.objects_by_sync_token(load_objects=True)
token = objects.sync_token
assert len(list(objects)) == 2
cal.event_by_uid("weekly-caldav@test").delete()
later = cal.objects_by_sync_token(sync_token=token, load_objects=False)
assert later.sync_token != token
print("ok sync-token")

todo.delete()
assert len(cal.events()) == 0 and len(cal.todos()) == 0
cal.delete()
assert "Conseils" not in [c.name for c in principal.calendars()]
print("ok done")
