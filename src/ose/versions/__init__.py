"""One versioned website: a manifest of releases, one build per ref, one atomic publish."""
