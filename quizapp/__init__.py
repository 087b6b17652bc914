"""quizapp: flashcards and quizzes for drug education and harm reduction."""

__version__ = "0.1.0"
