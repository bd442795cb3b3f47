"""The static project model: discovery that reads files and never imports the target."""
