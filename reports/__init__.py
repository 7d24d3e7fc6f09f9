"""Analysing and publishing: frames, findings, disclosure control, charts, releases."""
