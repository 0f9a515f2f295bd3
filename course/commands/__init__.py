"""The ``dobro`` commands of the pure core, one module per command family (as mkdocs does).

``common`` holds what every command shares (exit codes, finding the course, printing
problems); ``build`` is ``check`` and ``build``; ``publish`` is ``handbook``, ``bulletin``
and ``export offline``. ``course.cli`` only builds the parser from them and dispatches;
no command module imports ``course.cli``.
"""
