"""The `welzijn` command line."""
