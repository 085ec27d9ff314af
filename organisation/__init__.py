"""Keeping the organisation and its people: units, heads, people, line managers and roles,
each change audited.

``accounts`` holds what these are and who may do what; it sits at the bottom of the house
and imports no other app. Changing them writes the audit log, which sits above ``accounts``,
so the services that change them live here, one layer above ``audit``.
"""
