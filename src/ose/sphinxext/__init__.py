"""The Sphinx layer: thin extensions that render what the data layer parsed and checked."""
