"""Publications made from the course sources: the Handbook, the Bulletin, the offline copy.

Each builder is pure (no Flask, no database): it takes a checked ``Course`` (or
the bulletin sources) and returns bytes or writes files. The command line and
the web app call them.
"""
