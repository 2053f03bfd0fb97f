"""The one database of records and shared state: SQLite by default, PostgreSQL when a URL is set."""
