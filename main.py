"""Starts the quizapp Kivy app (buildozer and python-for-android look for main.py at the root).
`python main.py 'quizapp://subscribe?url=…&key=…'` opens a class page's link in the app."""

from quizapp.ui.app import main

if __name__ == "__main__":
    main()
