"""Question banks in and out of other systems' formats.

``quizyaml`` writes a ``Quiz`` back as the YAML trainers write; ``common`` holds
what every importer needs (question ids from foreign names, Markdown from HTML or
plain text, the result of an import); ``gift`` reads and writes Moodle's GIFT
text format; ``moodlexml`` (with ``moodletext``, ``moodlefiles`` and the safe parser
``xmltree``) reads Moodle XML and ``moodleexport`` writes it, images included.
Importers return questions and ``Problem`` lists; only the commands
(``course.commands.interop``) decide what to print. ``scorm`` packs a topic the other
way, as a SCORM 1.2 package an LMS imports (built on the offline copy's pages).
"""
