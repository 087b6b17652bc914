"""Deck sharing and interop: bundles, feeds, LAN server, class reports, Anki/Quizlet/Moodle formats."""
