"""The hub's HTTP face: the app factory, its dependencies and one router module per area."""
