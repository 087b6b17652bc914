"""The core library: decks, scheduler, store, sessions, quizzes and stats. Never imports kivy."""
