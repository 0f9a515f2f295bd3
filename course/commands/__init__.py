"""The ``dobro`` commands of the pure core, one module per command family (as mkdocs does).

``common`` holds what every command shares (exit codes, finding the course, printing
problems, the ``import``/``export`` groups); ``build`` is ``check`` and ``build``;
``publish`` is ``handbook``, ``bulletin``, ``export offline`` and ``export scorm``;
``interop`` is ``import gift`` and ``export gift``. ``course.cli`` only builds the parser
from them and dispatches; no command module imports ``course.cli``.
"""
