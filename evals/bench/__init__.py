"""`welzijn bench`: speed and scale figures for ingest, retrieval, answering and start-up."""
