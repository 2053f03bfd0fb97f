"""Settings, errors and the types every layer shares."""
