"""Every form of the web app (Flask-WTF: each carries a CSRF token), one module per area.

``fields`` holds what several forms share (the name length, tidying typed text, ids
from selects, a choice among those offered, checkboxes); the area modules hold the
forms. A form never queries the database: the view fills in the choices.
"""
