"""Portal pages of the deals app, one module per concept."""
