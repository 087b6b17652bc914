"""The Kivy user interface."""
