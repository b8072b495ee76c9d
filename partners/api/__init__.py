"""REST API of the partners app, one module per concept."""
