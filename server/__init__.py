"""The Tandem server: configuration, the app factory that wires every part, and the CLI."""
