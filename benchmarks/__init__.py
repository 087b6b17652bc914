"""Performance of quizapp against Anki and bare baselines: run `python benchmarks/run.py`."""
