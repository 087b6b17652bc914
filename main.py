"""Starts the quizapp Kivy app (buildozer and python-for-android look for main.py at the root)."""

from quizapp.ui.app import QuizApp

if __name__ == "__main__":
    QuizApp().run()
