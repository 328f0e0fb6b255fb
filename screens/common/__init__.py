"""What every screen shares: ``BaseScreen`` and the key convention, the form framework,
fields, stored-text rendering, terminal classes, help, the command palette, yes/no."""
