"""Reporters: views of a CheckReport (text, JSON, GitHub, SARIF, JUnit)."""
