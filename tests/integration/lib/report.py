"""Measured numbers that tests want printed at the end of the run
(pytest's terminal summary), whatever the capture mode."""

NOTES = []


def note(text):
    NOTES.append(text)
    print("\nclosbgp-it: " + text)
