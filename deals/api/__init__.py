"""REST API of the deals app, one module per concept."""
