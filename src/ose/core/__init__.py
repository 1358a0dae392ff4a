"""The shared core every concern builds on: reading files, YAML with lines, problems, dates."""
