"""welzijn-assistant: Dutch answers with checkable citations about the welfare-sector debate."""
